'use strict';
// A viewer's chat client with the official IVS Chat SDK (amazon-ivs-chat-messaging) under Node.js.
//
//   IVSCHAT_CHAT_URL=ws://... CHAT_TOKEN='{"token": "...", ...}' node viewer.js "hello"
//
// IVSCHAT_CHAT_URL is the room's region (e.g. us-west-2) or a WebSocket URL such as fake.serve()'s
// chat_url; CHAT_TOKEN is what the backend's tokens.viewer_token() returned (a browser would
// fetch it from the backend). Sends the message given, prints what the room says, one line each,
// and exits once the server ends the connection (a ban, the room deleted, the session over).

// Node.js 20 has no global WebSocket, which the SDK needs; Node 22 and browsers do.
globalThis.WebSocket ??= require('ws');
const { ChatRoom, SendMessageRequest } = require('amazon-ivs-chat-messaging');

const minted = JSON.parse(process.env.CHAT_TOKEN);
const room = new ChatRoom({
  regionOrUrl: process.env.IVSCHAT_CHAT_URL,
  // Chat tokens are single-use: a real page asks the backend for a new one each time.
  tokenProvider: async () => ({
    token: minted.token,
    sessionExpirationTime: new Date(minted.sessionExpirationTime),
  }),
});
room.logLevel = 'error'; // the SDK logs every step at its default level, 'debug'

room.addListener('connect', async () => {
  console.log('connected');
  if (process.argv[2]) await room.sendMessage(new SendMessageRequest(process.argv[2]));
});
room.addListener('message', (message) => {
  console.log(`${message.sender.attributes.displayName}: ${message.content}`);
});
room.addListener('messageDelete', (deletion) => {
  console.log(`(a message was removed: ${deletion.reason})`);
});
room.addListener('userDisconnect', (event) => {
  console.log(`(${event.userId} was disconnected: ${event.reason})`);
});
room.addListener('disconnect', (reason) => {
  console.log(`disconnected (${reason})`);
  process.exitCode = reason === 'clientDisconnect' || reason === 'serverDisconnect' ? 0 : 1;
});
process.on('SIGTERM', () => room.disconnect());

room.connect();
