// The page's chat: the official IVS Chat messaging SDK, its tokens from our backend (app.py).
// Bundled by esbuild (`npm run build`) into dist/chat.js, which the backend serves at /assets/.
import { ChatRoom, SendMessageRequest } from 'amazon-ivs-chat-messaging';

const STREAM_ENDED = 'app:stream-ended'; // chat_backend.rooms.STREAM_ENDED

const query = new URLSearchParams(location.search);
const stream = query.get('stream');
const streamPath = `/api/streams/${encodeURIComponent(stream)}`;
const me = {
  userId: query.get('user'),
  displayName: query.get('name') ?? query.get('user'),
  role: query.get('role') ?? 'viewer',
};
const moderating = me.role === 'moderator';
let session = null; // what /api/login answered: sent with every other call

const $ = (selector) => document.querySelector(selector);

async function api(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (session) headers.Authorization = `Bearer ${session}`;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${response.status} ${answer.message ?? response.statusText}`);
  return answer;
}

function notice(text, kind = 'info') {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = text;
  $('#notices').append(item);
}

function setStatus(state, text) {
  $('#status').dataset.state = state;
  $('#status').textContent = text;
  const open = state === 'connected';
  $('#text').disabled = !open;
  $('#send').disabled = !open;
}

function button(label, onClick) {
  const made = document.createElement('button');
  made.type = 'button';
  made.className = label;
  made.textContent = label;
  made.addEventListener('click', () => onClick()
    .catch((error) => notice(`Could not ${label}: ${error.message}`, 'error')));
  return made;
}

function showMessage(message) {
  const item = document.createElement('li');
  item.dataset.id = message.id;
  item.dataset.user = message.sender.userId;
  const text = document.createElement('span');
  text.className = 'text';
  // textContent, never innerHTML: a message is whatever its sender typed.
  text.textContent = `${message.sender.attributes?.displayName ?? message.sender.userId}: ${message.content}`;
  item.append(text);
  if (moderating) {
    const remove = () => api('DELETE', `${streamPath}/messages/${encodeURIComponent(message.id)}`,
      { reason: 'removed by a moderator' });
    item.append(button('delete', remove));
    if (message.sender.userId !== me.userId) {
      const user = encodeURIComponent(message.sender.userId);
      const kick = () => api('POST', `${streamPath}/users/${user}/kick`, { reason: 'kicked by a moderator' });
      item.append(button('kick', kick));
    }
  }
  $('#messages').append(item);
}

async function main() {
  ({ session } = await api('POST', '/api/login', me));
  const { regionOrUrl } = await api('GET', '/api/chat-config');
  let tokensFetched = 0;
  const room = new ChatRoom({
    regionOrUrl,
    // Called on connecting and again before each token expires: a chat token is single-use.
    tokenProvider: async () => {
      const minted = await api('POST', `${streamPath}/chat-token`);
      document.body.dataset.tokens = String(++tokensFetched);
      return minted; // token, sessionExpirationTime, tokenExpirationTime (ISO 8601 text)
    },
  });
  room.logLevel = 'error';

  room.addListener('connecting', () => setStatus('connecting', 'connecting…'));
  room.addListener('connect', () => setStatus('connected', 'connected'));
  room.addListener('disconnect', (reason) => setStatus('disconnected', `disconnected (${reason})`));
  room.addListener('message', showMessage);
  room.addListener('messageDelete', (deletion) => {
    document.querySelector(`#messages li[data-id="${CSS.escape(deletion.messageId)}"]`)?.remove();
    notice(`A message was removed: ${deletion.reason}`);
  });
  room.addListener('userDisconnect', (event) => {
    const who = event.userId === me.userId ? 'You were' : `${event.userId} was`;
    notice(`${who} disconnected: ${event.reason}`);
  });
  room.addListener('event', (event) => {
    if (event.eventName === STREAM_ENDED) notice('The stream has ended. Thanks for watching!');
  });

  $('#compose').addEventListener('submit', async (submitted) => {
    submitted.preventDefault();
    const content = $('#text').value;
    $('#text').value = '';
    try {
      await room.sendMessage(new SendMessageRequest(content));
    } catch (error) { // an ERROR frame: {errorCode, errorMessage, requestId}
      notice(`Not sent (${error.errorCode ?? ''} ${error.errorMessage ?? error.message}): ${content}`, 'error');
    }
  });
  if (moderating) {
    $('#end-stream').hidden = false;
    $('#end-stream').addEventListener('click', () => api('POST', `${streamPath}/end`)
      .catch((error) => notice(`Could not end the stream: ${error.message}`, 'error')));
  }
  room.connect();
}

main().catch((error) => {
  setStatus('failed', `could not start the chat: ${error.message}`);
});
