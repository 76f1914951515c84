'use strict';
// Drives real JavaScript clients for the Python tests (their side: tests/real_clients.py).
//
// stdin: one JSON command per line, {"id": n, "op": "...", ...}. stdout: one JSON object per line,
// either the reply to a command ({"id": n, ...}) or something a client saw
// ({"event": "...", "room": "...", "data": ...}). Diagnostics (the SDK's own log) go to stderr.
//
// Ops:
//   room        {room, url, token, maxReconnectAttempts?}  a ChatRoom of amazon-ivs-chat-messaging,
//               connecting at once; its tokenProvider returns `token` every time it is asked.
//   send        {room, content, attributes?}    room.sendMessage; the reply says how it settled:
//   delete      {room, messageId, reason?}      {"resolved": value}, {"rejected": error} or
//   disconnectUser {room, userId, reason?}      {"threw": message} (thrown synchronously).
//   disconnect  {room}                          room.disconnect()
//   state       {room}                          {"state": room.state}
//   call        {endpoint, region, accessKeyId, command, input}
//               one command of @aws-sdk/client-ivschat: {"output": ...} or {"error": ...}
//   reset       disconnects and forgets every room.
// Only 127.0.0.1 is ever contacted: any other host is refused.

const WS = require('ws');

const tokenRooms = new Map(); // token string -> room name, to say which room a socket serves
let generation = 0; // counts resets: what clients of an earlier generation see is not reported

// The SDK uses the global WebSocket (Node 20 has none without a flag). This subclass of ws reports
// what the socket itself saw: the negotiated subprotocol, every frame as sent, the close.
class TappedWebSocket extends WS {
  constructor(url, protocols, options) {
    super(url, protocols, options);
    const room = tokenRooms.get(protocols);
    const emit = reporter();
    this.on('open', () => emit({ event: 'socketOpen', room, data: { protocol: this.protocol } }));
    this.on('message', (data, isBinary) => {
      emit({ event: 'frame', room, data: { text: data.toString(), binary: isBinary } });
    });
    this.on('error', (error) => {
      emit({ event: 'socketError', room, data: { message: error.message } });
    });
    this.on('close', (code, reason) => {
      emit({ event: 'socketClose', room, data: { code, reason: reason.toString() } });
    });
  }
}
globalThis.WebSocket = TappedWebSocket;

const chat = require('amazon-ivs-chat-messaging');

const rooms = new Map();
const clients = new Map();

function emit(object) {
  process.stdout.write(`${JSON.stringify(object)}\n`);
}

// An emit for the clients made now: silent once a reset has made them history.
function reporter() {
  const made = generation;
  return (object) => {
    if (made === generation) emit(object);
  };
}

function loopback(url) {
  const { hostname } = new URL(url);
  if (hostname !== '127.0.0.1') {
    throw new Error(`refusing to contact ${hostname}: the tests use 127.0.0.1 only`);
  }
  return url;
}

const stderrLogger = {
  debug: (message, ...args) => console.error('[debug]', message, ...args),
  info: (message, ...args) => console.error('[info]', message, ...args),
  error: (message, ...args) => console.error('[error]', message, ...args),
};

const ROOM_EVENTS = [
  'connecting',
  'connect',
  'disconnect',
  'message',
  'event',
  'messageDelete',
  'userDisconnect',
];

function openRoom({ room: name, url, token, maxReconnectAttempts }) {
  if (rooms.has(name)) throw new Error(`room ${name} exists already`);
  tokenRooms.set(token.token, name);
  const emit = reporter();
  let asked = 0;
  const tokenProvider = async () => {
    asked += 1;
    emit({ event: 'tokenRequested', room: name, data: { count: asked } });
    return token;
  };
  const regionOrUrl = loopback(url);
  const room = new chat.ChatRoom({ regionOrUrl, tokenProvider, maxReconnectAttempts });
  room.logger = stderrLogger;
  for (const eventName of ROOM_EVENTS) {
    room.addListener(eventName, (data) => emit({ event: eventName, room: name, data }));
  }
  rooms.set(name, room);
  room.connect();
  return { state: room.state };
}

function chatRoom(name) {
  const room = rooms.get(name);
  if (room === undefined) throw new Error(`no room ${name}`);
  return room;
}

// A request's promise may settle late or never (messaging-wire.md 6.3): reply when it settles.
function request(id, makePromise) {
  let promise;
  try {
    promise = makePromise();
  } catch (error) {
    emit({ id, threw: error.message });
    return;
  }
  promise.then(
    (value) => emit({ id, resolved: value }),
    (error) => emit({ id, rejected: error }),
  );
}

function ivschatClient({ endpoint, region, accessKeyId }) {
  const key = JSON.stringify([endpoint, region, accessKeyId]);
  if (!clients.has(key)) {
    const { IvschatClient } = require('@aws-sdk/client-ivschat');
    clients.set(
      key,
      new IvschatClient({
        endpoint: loopback(endpoint),
        region,
        credentials: { accessKeyId, secretAccessKey: 'secret' },
        maxAttempts: 1,
      }),
    );
  }
  return clients.get(key);
}

// The fields an AWS SDK error carries: its name, message, $fault, $metadata and modelled members.
function errorFields(error) {
  const fields = { name: error.name, message: error.message };
  for (const [key, value] of Object.entries(error)) {
    if (key !== '$response') fields[key] = value;
  }
  return fields;
}

async function call(id, command) {
  const sdk = require('@aws-sdk/client-ivschat');
  const Command = sdk[`${command.command}Command`];
  if (Command === undefined) throw new Error(`no command ${command.command}`);
  try {
    const output = await ivschatClient(command).send(new Command(command.input || {}));
    emit({ id, output });
  } catch (error) {
    emit({ id, error: errorFields(error) });
  }
}

const OPS = {
  room: (id, command) => emit({ id, ...openRoom(command) }),
  send: (id, { room, content, attributes }) =>
    request(id, () => {
      return chatRoom(room).sendMessage(new chat.SendMessageRequest(content, attributes));
    }),
  delete: (id, { room, messageId, reason }) =>
    request(id, () => {
      return chatRoom(room).deleteMessage(new chat.DeleteMessageRequest(messageId, reason));
    }),
  disconnectUser: (id, { room, userId, reason }) =>
    request(id, () => {
      return chatRoom(room).disconnectUser(new chat.DisconnectUserRequest(userId, reason));
    }),
  disconnect: (id, { room }) => {
    chatRoom(room).disconnect();
    emit({ id, state: chatRoom(room).state });
  },
  state: (id, { room }) => emit({ id, state: chatRoom(room).state }),
  call: (id, command) => call(id, command).catch((error) => emit({ id, failed: error.stack })),
  reset: (id) => {
    for (const room of rooms.values()) {
      if (room.state !== 'disconnected') room.disconnect();
    }
    rooms.clear();
    tokenRooms.clear();
    generation += 1;
    emit({ id, ok: true });
  },
};

require('readline')
  .createInterface({ input: process.stdin })
  .on('line', (line) => {
    let command = {};
    try {
      command = JSON.parse(line);
      const op = OPS[command.op];
      if (op === undefined) throw new Error(`unknown op ${command.op}`);
      op(command.id, command);
    } catch (error) {
      emit({ id: command.id, failed: error.stack });
    }
  })
  .on('close', () => {
    for (const room of rooms.values()) {
      if (room.state !== 'disconnected') room.disconnect();
    }
    setTimeout(() => process.exit(0), 50).unref();
  });
