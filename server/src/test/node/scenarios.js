// Socket.IO client scenarios for SocketIoClientE2ETest: the real socket.io-client 4.8 against the
// gateway's /socket.io/ endpoint. Usage: node scenarios.js <scenario>
// Environment: SIO_URL (http://127.0.0.1:port), SIO_URL_B (a second node, optional), JWT_SECRET,
// API_KEY. Prints what it checks; exits 0 when every check passed, 1 with the reason otherwise.
// Every wait is bounded (WAIT_MS); nothing here depends on exact timing.
'use strict';
const { io } = require('socket.io-client');
const WebSocket = require('ws');
const crypto = require('crypto');
const http = require('http');

const URL = process.env.SIO_URL;
const URL_B = process.env.SIO_URL_B;
const SECRET = process.env.JWT_SECRET;
const API_KEY = process.env.API_KEY;
const WAIT_MS = 15000;
const open = [];

function sign(claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims });
  const sig = crypto.createHmac('sha256', SECRET).update(head + '.' + body).digest('base64url');
  return head + '.' + body + '.' + sig;
}
const token = (sub, extra = {}) => sign({ sub, ...extra });

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok -', what);
}

function within(promise, what) {
  let t;
  const timeout = new Promise((_, rej) => { t = setTimeout(() => rej(new Error('timed out waiting for ' + what)), WAIT_MS); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t));
}

/** The next `event` on `socket` (all its arguments), bounded. */
function next(socket, event) {
  return within(new Promise((res) => socket.once(event, (...args) => res(args))), event);
}

/** The next `event` on `socket` whose first argument satisfies `pred` (others are skipped), bounded. */
function nextWhere(socket, event, pred) {
  return within(new Promise((res) => {
    const on = (...args) => {
      if (pred(args[0])) {
        socket.off(event, on);
        res(args);
      }
    };
    socket.on(event, on);
  }), event);
}

function connect(url, opts) {
  const s = io(url, { reconnection: false, forceNew: true, ...opts });
  open.push(s);
  return s;
}

async function connected(s) {
  if (!s.connected) await next(s, 'connect');
  return s;
}

function ack(socket, event, ...args) {
  return within(new Promise((res) => socket.emit(event, ...args, (...r) => res(r))), 'ack of ' + event);
}

function post(base, path, body) {
  return within(new Promise((res, rej) => {
    const data = JSON.stringify(body);
    const u = new globalThis.URL(path, base);
    const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', 'internal-api-key': API_KEY, 'content-length': Buffer.byteLength(data) } },
    (r) => { let b = ''; r.on('data', (c) => b += c); r.on('end', () => res({ status: r.statusCode, body: b })); });
    req.on('error', rej);
    req.end(data);
  }), 'POST ' + path);
}

/** A native protocol client (rt.json.v1) for mixed rooms, on the `ws` package. */
function nativeClient(base, user) {
  const ws = new WebSocket(base.replace('http', 'ws') + '/ws', { headers: { Authorization: 'Bearer ' + token(user) } });
  const inbox = [];
  const waiters = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    inbox.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  const c = {
    send: (m) => ws.send(JSON.stringify(m)),
    async expect(pred, what) {
      return within(new Promise((res) => {
        const look = () => {
          const i = inbox.findIndex(pred);
          if (i >= 0) return res(inbox.splice(i, 1)[0]);
          waiters.push(look);
        };
        look();
      }), what);
    },
    close: () => ws.close(),
  };
  open.push({ close: c.close });
  return c;
}

const scenarios = {
  // Seed 000: auth object or Authorization header, joinRoom/leaveRoom (silent), broadcastToRoom,
  // notifications from the internal notify API, matchmaking-style emits routed to a handler.
  async seed000() {
    const alice = await connected(connect(URL, { auth: { token: token('alice') } }));
    const bob = await connected(connect(URL, { extraHeaders: { Authorization: 'Bearer ' + token('bob') } }));
    check(typeof alice.id === 'string' && alice.id.length > 0, 'alice connected with a socket id');
    alice.emit('joinRoom', 'game-lobby-1');
    await ack(bob, 'joinRoom', 'game-lobby-1');
    await ack(alice, 'get_rooms'); // alice's silent join has taken effect (her messages run in order)
    const got = next(alice, 'chat:message');
    const bobGot = next(bob, 'chat:message');
    bob.emit('broadcastToRoom', { room: 'game-lobby-1', event: 'chat:message', payload: { userId: 'bob', message: 'Hello everyone!' } });
    const [data] = await got;
    check(data.message === 'Hello everyone!', 'alice received chat:message from broadcastToRoom');
    check((await bobGot)[0].userId === 'bob', 'the sender, a member, received it too');
    const note = next(alice, 'notification:new');
    const r = await post(URL, '/api/realtime/internal/notify', { userIds: ['alice'], payload: { type: 'achievement', message: 'You earned a new badge!' } });
    check(r.status === 202, 'notify accepted');
    check((await note)[0].message === 'You earned a new badge!', 'notification:new reached the Socket.IO client');
    const [res] = await ack(alice, 'sio-test:echo', { gameType: '1v1_rapid_quiz' });
    check(res.echo.gameType === '1v1_rapid_quiz' && res.user === 'alice', 'an emit handler answered through the ack, user from the token');
    const pushed = next(alice, 'sio-test:pushed');
    alice.emit('sio-test:push', { n: 7 });
    check((await pushed)[0].n === 7, 'an emit handler pushed an event (like match:found)');
    alice.emit('leaveRoom', 'game-lobby-1');
    const [rooms] = await ack(alice, 'get_rooms');
    check(!rooms.rooms.includes('game-lobby-1') && rooms.rooms.includes('user:alice'), 'leaveRoom left, user room kept');
  },

  // Seed 001: token in the query, websocket first then polling; user-addressed order events.
  async seed001() {
    const s = connect(URL, { query: { userId: 'user-123', token: token('user-123') }, transports: ['websocket', 'polling'] });
    const hello = next(s, 'connection:success');
    await connected(s);
    check(s.io.engine.transport.name === 'websocket', 'websocket transport first');
    check((await hello)[0].userId === 'user-123', 'connection:success greets the user from the token');
    const [sub] = await ack(s, 'subscribe:orders', { userId: 'someone-else' });
    check(sub.room === 'user:user-123', 'subscribe:orders: orders come through the user room of the token user');
    const order = next(s, 'order:updated');
    const r = await post(URL, '/api/broadcast/user', { userId: 'user-123', event: 'order:updated', data: { orderId: 'order-456', status: 'shipped' } });
    check(r.status === 202 || r.status === 200, 'broadcast to the user accepted');
    check((await order)[0].status === 'shipped', 'order:updated reached the client');
    const err = next(s, 'error');
    s.emit('request:unknown-feature');
    const [e] = await err;
    check(e.code === 'unknown_event', 'an event nothing handles is answered with an error event (unknown_event)');
  },

  // Seed 002: room:join/room:message/room:leave, token refresh, over long-polling only.
  async seed002() {
    const a = connect(URL, { auth: { token: token('ann') }, transports: ['polling'] });
    const sys = next(a, 'system:connected');
    await connected(a);
    const b = await connected(connect(URL, { auth: { token: token('ben') }, transports: ['polling'] }));
    check((await sys)[0].userId === 'ann', 'system:connected greets the user');
    const joined = next(a, 'room:joined');
    a.emit('room:join', { room: 'event:42' });
    check((await joined)[0].room === 'event:42', 'room:joined after room:join');
    await ack(b, 'room:join', { room: 'event:42' });
    const msg = next(b, 'room:message');
    a.emit('room:message', { room: 'event:42', message: 'hi all', userId: 'forged' });
    const [m] = await msg;
    check(m.message === 'hi all' && m.userId === 'ann', 'room:message reached the room, userId from the token');
    const [toAll] = await ack(a, 'room:message', { room: 'global', message: 'spam' });
    check(toAll.error && toAll.error.code === 'forbidden', 'room:message to global is forbidden, as a publish is');
    const [refreshed] = await ack(a, 'auth:token_refresh', { token: token('ann') });
    check(refreshed.userId === 'ann', 'auth:token_refresh accepted a fresh token for the same user');
    const [refused] = await ack(a, 'auth:token_refresh', { token: token('mallory') });
    check(refused.error && refused.error.code === 'forbidden', 'a token for another user is refused');
    const left = next(a, 'room:left');
    a.emit('room:leave', { room: 'event:42' });
    check((await left)[0].room === 'event:42', 'room:left after room:leave');
    check(a.io.engine.transport.name === 'polling', 'all of it over long-polling');
  },

  // Seed 003: join_room/leave_room with confirmations, get_rooms, ping, errors as events.
  async seed003() {
    const s = connect(URL, { auth: { token: token('surveyor-1') }, transports: ['websocket', 'polling'] });
    const greet = next(s, 'connected');
    await connected(s);
    const [g] = await greet;
    check(g.userId === 'surveyor-1' && g.rooms.includes('global') && g.socketId === s.id, 'connected event (socketId, userId, rooms)');
    const joined = next(s, 'room_joined');
    s.emit('join_room', { room: 'survey:123' });
    const [j] = await joined;
    check(j.room === 'survey:123' && typeof j.timestamp === 'string', 'room_joined {room, timestamp}');
    const rooms = next(s, 'rooms');
    s.emit('get_rooms');
    check((await rooms)[0].rooms.includes('survey:123'), 'rooms lists the joined room');
    const pong = next(s, 'pong');
    s.emit('ping');
    check(typeof (await pong)[0].timestamp === 'number', 'pong answers ping');
    const resp = next(s, 'response.new');
    const r = await post(URL, '/api/broadcast/room', { room: 'survey:123', event: 'response.new', data: { surveyId: '123' } });
    check(r.status === 202 || r.status === 200, 'room broadcast accepted');
    check((await resp)[0].surveyId === '123', 'response.new reached the survey room');
    const err = next(s, 'error');
    s.emit('join_room', { room: 'has space' });
    check((await err)[0].code === 'invalid_room', 'a bad room name comes back as an error event');
    const left = next(s, 'room_left');
    s.emit('leave_room', { room: 'survey:123' });
    check((await left)[0].room === 'survey:123', 'room_left after leave_room');
  },

  // Seed 004: channel notifications (built in), with acks.
  async seed004() {
    const s = await connected(connect(URL, { auth: { token: token('viewer-1') }, transports: ['websocket', 'polling'] }));
    const [sub] = await ack(s, 'notifications:subscribe', { channelId: '456' });
    check(sub.room === 'channel:456', 'notifications:subscribe joined channel:456');
    const note = next(s, 'notification');
    const r = await post(URL, '/api/broadcast/room', { room: 'channel:456', event: 'notification', data: { type: 'new_video', title: 'New video' } });
    check(r.status === 202 || r.status === 200, 'channel broadcast accepted');
    check((await note)[0].type === 'new_video', 'channel notification received');
    const [unsub] = await ack(s, 'notifications:unsubscribe', { channelId: '456' });
    check(unsub.room === 'channel:456', 'notifications:unsubscribe');
  },

  // Default options: polling first, then the upgrade to websocket, events flowing across it.
  async upgrade() {
    const pub = await connected(connect(URL, { auth: { token: token('pub') }, transports: ['websocket'] }));
    await ack(pub, 'joinRoom', 'up');
    const s = connect(URL, { auth: { token: token('sub') } });
    const upgraded = within(new Promise((res) => s.io.engine.once('upgrade', (t) => res(t.name))), 'upgrade');
    await connected(s);
    await ack(s, 'joinRoom', 'up');
    const seen = [];
    s.on('tick', (d) => seen.push(d.n));
    for (let n = 0; n < 40; n++) {
      pub.emit('broadcastToRoom', { room: 'up', event: 'tick', payload: { n } });
      await new Promise((r) => setTimeout(r, 5));
    }
    check((await upgraded) === 'websocket', 'the polling session upgraded to websocket');
    await within(new Promise((res) => { const t = setInterval(() => { if (seen.length >= 40) { clearInterval(t); res(); } }, 20); }), '40 ticks');
    check(seen.every((n, i) => n === i), 'every event arrived once, in order, across the upgrade');
  },

  // Acks: one per event with an id, results and errors; binary payloads both ways.
  async acksAndBinary() {
    const s = await connected(connect(URL, { auth: { token: token('acker') }, transports: ['websocket'] }));
    const [ok] = await ack(s, 'joinRoom', 'bin-room');
    check(ok.room === 'bin-room', 'join ack carries {room}');
    const [bad] = await ack(s, 'joinRoom', 'user:someone-else');
    check(bad.error.code === 'forbidden' && typeof bad.error.message === 'string', 'a refused join acks {error:{code,message}}');
    const [badArg] = await ack(s, 'joinRoom', 42);
    check(badArg.error.code === 'invalid_message', 'a join without a room acks invalid_message');
    let acks = 0;
    await new Promise((res) => s.emit('get_rooms', () => { acks++; res(); }));
    await new Promise((r) => setTimeout(r, 300));
    check(acks === 1, 'exactly one ack');
    const p = await connected(connect(URL, { auth: { token: token('poller') }, transports: ['polling'] }));
    await ack(p, 'joinRoom', 'bin-room');
    const got = next(s, 'blob');
    const gotPolling = next(p, 'blob');
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    await ack(s, 'broadcastToRoom', { room: 'bin-room', event: 'blob', payload: bytes });
    const [b] = await got;
    check(Buffer.isBuffer(b) && b.equals(bytes), 'binary payload arrived as a Buffer (websocket)');
    const [bp] = await gotPolling;
    check(Buffer.isBuffer(bp) && bp.equals(bytes), 'binary payload arrived as a Buffer (polling)');
    const [echo] = await ack(s, 'sio-test:echo', { file: Buffer.from('hey') });
    check(echo.echo.file === Buffer.from('hey').toString('base64'), 'an attachment inside JSON reaches handlers as base64');
    // forceBase64: attachments travel as "b<base64>" text packets, over WebSocket too.
    const f = await connected(connect(URL, { auth: { token: token('b64') }, transports: ['websocket'], forceBase64: true }));
    await ack(f, 'joinRoom', 'bin-room');
    const got64 = next(s, 'blob');
    await ack(f, 'broadcastToRoom', { room: 'bin-room', event: 'blob', payload: bytes });
    const [b64blob] = await got64;
    check(Buffer.isBuffer(b64blob) && b64blob.equals(bytes), 'a forceBase64 client\'s attachment arrived whole');
  },

  // Refusals: no token, bad token, another namespace.
  async authFailures() {
    const none = connect(URL, { transports: ['websocket'] });
    const [e1] = await next(none, 'connect_error');
    check(e1.message === 'No token provided', 'no token: connect_error "No token provided"');
    const bad = connect(URL, { auth: { token: token('x').slice(0, -3) + 'AAA' } });
    const [e2] = await next(bad, 'connect_error');
    check(e2.message === 'Authentication failed' && e2.data.code === 'unauthorized', 'bad token: "Authentication failed"');
    const expired = connect(URL, { auth: { token: sign({ sub: 'old', exp: Math.floor(Date.now() / 1000) - 3600 }) }, transports: ['websocket'] });
    const [e3] = await next(expired, 'connect_error');
    check(e3.message === 'Authentication failed', 'expired token: "Authentication failed"');
    const admin = io(URL + '/admin', { auth: { token: token('y') }, reconnection: false, forceNew: true });
    open.push(admin);
    const [e4] = await next(admin, 'connect_error');
    check(e4.message === 'Invalid namespace', 'other namespaces are refused');
  },

  // A Socket.IO client and a native client in one room see each other's messages.
  async mixed() {
    const nat = nativeClient(URL, 'native-user');
    await nat.expect((m) => m.op === 'connected', 'native connected');
    nat.send({ op: 'join', id: 1, room: 'mixed' });
    await nat.expect((m) => m.op === 'reply' && m.id === 1, 'native join reply');
    const s = await connected(connect(URL, { auth: { token: token('sio-user') } }));
    await ack(s, 'joinRoom', 'mixed');
    const fromNative = next(s, 'chat:message');
    nat.send({ op: 'publish', id: 2, room: 'mixed', event: 'chat:message', data: { from: 'native' } });
    const [d] = await fromNative;
    check(d.from === 'native', 'the Socket.IO client got the native client\'s message');
    s.emit('broadcastToRoom', { room: 'mixed', event: 'chat:message', payload: { from: 'sio' } });
    const ev = await nat.expect((m) => m.op === 'event' && m.data && m.data.from === 'sio', 'native gets sio message');
    check(ev.room === 'mixed' && ev.event === 'chat:message' && typeof ev.offset === 'number', 'the native client got the Socket.IO client\'s message (with its offset)');
    s.emit('broadcastToRoom', { room: 'mixed', event: 'blob', payload: Buffer.from([9, 8, 7]) });
    const blob = await nat.expect((m) => m.op === 'event' && m.event === 'blob', 'native gets binary');
    check(blob.binary === true && Buffer.from(blob.data, 'base64').equals(Buffer.from([9, 8, 7])), 'binary from Socket.IO reaches native JSON as base64');
  },

  // Two nodes over Redis: rooms and user notifications cross nodes.
  async twoNodes() {
    const a = await connected(connect(URL, { auth: { token: token('node-a-user') } }));
    const b = await connected(connect(URL_B, { auth: { token: token('node-b-user') } }));
    await ack(a, 'joinRoom', 'cross');
    await ack(b, 'joinRoom', 'cross');
    // A publisher gets its own message too, possibly after the other node's client got it: wait
    // for the other node's message by its content, not for the next 'hello'.
    const atB = nextWhere(b, 'hello', (p) => p && p.from === 'a');
    a.emit('broadcastToRoom', { room: 'cross', event: 'hello', payload: { from: 'a' } });
    check((await atB)[0].from === 'a', 'node A -> node B room message');
    const atA = nextWhere(a, 'hello', (p) => p && p.from === 'b');
    b.emit('broadcastToRoom', { room: 'cross', event: 'hello', payload: { from: 'b' } });
    check((await atA)[0].from === 'b', 'node B -> node A room message');
    const note = next(b, 'notification:new');
    const r = await post(URL, '/api/realtime/internal/notify', { userIds: ['node-b-user'], payload: { type: 'cross' } });
    check(r.status === 202, 'notify on node A');
    check((await note)[0].type === 'cross', 'notification reached the user on node B');
  },

  // Connection-state recovery: the transport drops, events go on, the client recovers them.
  async recovery() {
    const pub = await connected(connect(URL, { auth: { token: token('rec-pub') }, transports: ['websocket'] }));
    await ack(pub, 'joinRoom', 'rec');
    const s = io(URL, { auth: { token: token('rec-user') }, transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
    open.push(s);
    await connected(s);
    check(s.recovered === false, 'first connect is not a recovery');
    await ack(s, 'joinRoom', 'rec');
    const seen = [];
    s.on('tick', (d) => seen.push(d.n));
    pub.emit('broadcastToRoom', { room: 'rec', event: 'tick', payload: { n: 0 } });
    await within(new Promise((res) => { const t = setInterval(() => { if (seen.length === 1) { clearInterval(t); res(); } }, 10); }), 'tick 0');
    const gone = next(s, 'disconnect');
    s.io.engine.close(); // the transport drops (not a DISCONNECT): the client reconnects by itself
    await gone;
    for (let n = 1; n <= 3; n++) {
      await ack(pub, 'broadcastToRoom', { room: 'rec', event: 'tick', payload: { n } });
    }
    await next(s, 'connect');
    check(s.recovered === true, 'the reconnect recovered the session (same pid)');
    await within(new Promise((res) => { const t = setInterval(() => { if (seen.length >= 4) { clearInterval(t); res(); } }, 10); }), 'missed ticks');
    check(seen.join(',') === '0,1,2,3', 'the events published while away arrived once, in order');
    const [rooms] = await ack(s, 'get_rooms');
    check(rooms.rooms.includes('rec'), 'the room membership was restored');
  },

  // A room from which the client had received nothing: where it stood is unknown, so what was
  // published there while it was away cannot be replayed: it must not be told it recovered.
  async recoveryUnknownPosition() {
    const pub = await connected(connect(URL, { auth: { token: token('rec2-pub') }, transports: ['websocket'] }));
    await ack(pub, 'joinRoom', 'rec2');
    const s = io(URL, { auth: { token: token('rec2-user') }, transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
    open.push(s);
    await connected(s);
    await ack(s, 'joinRoom', 'rec2');
    const gone = next(s, 'disconnect');
    s.io.engine.close();
    await gone;
    await ack(pub, 'broadcastToRoom', { room: 'rec2', event: 'tick', payload: { n: 1 } });
    await next(s, 'connect');
    check(s.recovered === false, 'not a recovery: the tick sent while away cannot be replayed');
  },
};

(async () => {
  const name = process.argv[2];
  if (!scenarios[name]) {
    console.error('unknown scenario ' + name + '; one of ' + Object.keys(scenarios).join(', '));
    process.exit(2);
  }
  try {
    await scenarios[name]();
    console.log('PASS ' + name);
    open.forEach((s) => s.close());
    setTimeout(() => process.exit(0), 50);
  } catch (e) {
    console.error('FAIL ' + name + ': ' + (e && e.stack || e));
    open.forEach((s) => s.close());
    setTimeout(() => process.exit(1), 50);
  }
})();
