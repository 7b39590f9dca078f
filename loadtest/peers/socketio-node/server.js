// Benchmark peer: the seed 000 realtime service's Socket.IO part, as plain socket.io 4.8 does it.
// PORT, JWT_SECRET (HS256), PING_INTERVAL/PING_TIMEOUT (ms) from the environment.
'use strict';
const http = require('http');
const { Server } = require('socket.io');
const jwt = require('jsonwebtoken');

const port = Number(process.env.PORT || 3000);
const secret = process.env.JWT_SECRET;
if (!secret) {
  console.error('JWT_SECRET is required');
  process.exit(2);
}
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/health')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  res.writeHead(404);
  res.end();
});
const io = new Server(server, {
  pingInterval: Number(process.env.PING_INTERVAL || 25000),
  pingTimeout: Number(process.env.PING_TIMEOUT || 20000),
  perMessageDeflate: false,
  httpCompression: false,
  maxHttpBufferSize: 1e6,
});

// Seed 000: a token from auth.token, the Authorization header, or ?token=.
io.use((socket, next) => {
  const h = socket.handshake;
  let token = (h.auth && h.auth.token) || h.query.token;
  const header = h.headers.authorization;
  if (!token && header && header.startsWith('Bearer ')) token = header.slice(7);
  if (!token) return next(new Error('No token provided'));
  try {
    const claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
    socket.data.userId = claims.sub || claims.userId;
    next();
  } catch (e) {
    next(new Error('Authentication failed'));
  }
});

io.on('connection', (socket) => {
  socket.join('user:' + socket.data.userId);
  socket.on('joinRoom', (room, ack) => {
    socket.join(room);
    if (typeof ack === 'function') ack({ room });
  });
  socket.on('leaveRoom', (room, ack) => {
    socket.leave(room);
    if (typeof ack === 'function') ack({ room });
  });
  socket.on('broadcastToRoom', (msg, ack) => {
    if (msg && typeof msg.room === 'string' && typeof msg.event === 'string') {
      io.to(msg.room).emit(msg.event, msg.payload);
    }
    if (typeof ack === 'function') ack();
  });
});

server.listen(port, '127.0.0.1', () => console.log('socket.io peer listening on ' + port));
process.on('SIGTERM', () => { io.close(); process.exit(0); });
