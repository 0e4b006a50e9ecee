'use strict';
// Bench reference: the same USSD journey as Hands Off, written the way a typical Node.js menu app
// is: Express, ussd-menu-builder (the most used USSD menu library on npm) and Redis sessions
// through its sessionConfig hooks. Two processes (cluster) to match the service's two workers.
//
// Env: PORT, REDIS_URL (redis://host:port/db), WEBHOOK_TOKEN, NODE_WORKERS (default 2),
// SEAL_KEY (hex, 32 bytes; the primary makes one so every worker can open every session).
const cluster = require('node:cluster');
const crypto = require('node:crypto');

const SESSION_TTL = 180; // seconds; a USSD session lasts at most a few minutes.

// Answers and the description never sit in Redis in clear (the project's rule): each value is
// sealed with AES-256-GCM, as the service seals its session state.
let key32 = null;
const sealKey = () => (key32 ??= Buffer.from(process.env.SEAL_KEY, 'hex'));

function seal(text) {
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', sealKey(), nonce);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64');
}

function open(sealed) {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = crypto.createDecipheriv('aes-256-gcm', sealKey(), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

async function serve() {
  const express = require('express');
  const { createClient } = require('redis');
  const UssdMenu = require('ussd-menu-builder');

  const token = Buffer.from(process.env.WEBHOOK_TOKEN || '', 'utf8');
  if (token.length < 16) throw new Error('WEBHOOK_TOKEN must be set (16+ characters)');
  const redis = createClient({ url: process.env.REDIS_URL });
  redis.on('error', (error) => console.error('redis:', error.message));
  await redis.connect();

  const key = (sessionId) => `ussdref:session:${sessionId}`;
  const sessionStore = {
    // start: every hop; keeps the session's hash alive for another TTL.
    start: (sessionId) => redis.expire(key(sessionId), SESSION_TTL),
    set: async (sessionId, field, value) => {
      await redis.hSet(key(sessionId), field, seal(String(value)));
      await redis.expire(key(sessionId), SESSION_TTL);
    },
    get: async (sessionId, field) => {
      const sealed = await redis.hGet(key(sessionId), field);
      return sealed === undefined || sealed === null ? null : open(sealed);
    },
    end: (sessionId) => redis.del(key(sessionId)),
  };

  async function submit(menu) {
    // The "report": every answer of the session, sealed, under a fresh 9-digit case code.
    const fields = await redis.hGetAll(key(menu.args.sessionId));
    const answers = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, open(v)]));
    const code = String(crypto.randomInt(100000000, 1000000000));
    await redis.set(`ussdref:report:${crypto.randomUUID()}`, seal(JSON.stringify(answers)), {
      EX: 3600,
    });
    return code;
  }

  const app = express();
  app.use(express.urlencoded({ extended: false, limit: '4kb' }));
  app.get('/healthz', (req, res) => res.type('text/plain').send('ok\n'));
  app.post('/ussd', (req, res) => {
    const given = Buffer.from(String(req.query.token || ''), 'utf8');
    if (given.length !== token.length || !crypto.timingSafeEqual(given, token)) {
      return res.status(403).type('text/plain').send('forbidden');
    }
    const { sessionId, serviceCode, phoneNumber, text } = req.body || {};
    if (typeof sessionId !== 'string' || !sessionId || typeof text !== 'string') {
      return res.status(400).type('text/plain').send('bad request');
    }
    // One menu per request: the library keeps the request's args and result on the instance,
    // so a shared menu would mix up answers once hops of two sessions overlap in one process.
    const menu = buildMenu(UssdMenu, sessionStore, submit);
    let answered = false;
    const answer = (body) => {
      if (!answered) {
        answered = true;
        res.type('text/plain').send(body);
      }
    };
    menu.on('error', (error) => {
      console.error('menu:', error.message);
      answer('END Erro. Tente de novo.');
    });
    menu.run({ sessionId, serviceCode, phoneNumber, text }, answer);
    return undefined;
  });
  app.use((error, req, res, next) => {
    // Bad input (a malformed body) is a 400, never a 500 with a stack trace.
    if (res.headersSent) return next(error);
    return res.status(400).type('text/plain').send('bad request');
  });
  app.listen(Number(process.env.PORT), '127.0.0.1');
}

// The journey of bench/loadgen.py, screen for screen: main menu, what happened, danger; then
// (plain) who, province, help, contact or (urgent) contact, province, alert, when, who, help;
// then "add a few words", the description, the PIN that sends. Every screen first records the
// answer that led to it in the session (Redis writes), then shows its prompt. The PIN is checked
// for shape only and never stored.
function buildMenu(UssdMenu, sessionStore, submit) {
  const menu = new UssdMenu({ provider: 'africasTalking' });
  menu.sessionConfig(sessionStore);

  const screen = (name, prompt, next) => {
    menu.state(name, {
      run: async () => {
        await menu.session.set(name, menu.val);
        menu.con(prompt);
      },
      next,
    });
  };
  const digit = (target) => ({ '*^[0-9]$': target });

  menu.startState({
    run: () => menu.con('Hands Off\n1. Fazer uma denuncia\n2. Informacao'),
    next: { 1: 'kind' },
  });
  screen('kind', 'O que aconteceu?\n1. Violencia sexual\n2. Violencia fisica\n3. Outro', digit('danger'));
  screen('danger', 'Esta em perigo agora?\n1. Sim\n2. Nao', { 1: 'u_contact', 2: 'p_who' });
  // Plain branch.
  screen('p_who', 'Quem fez isto?\n1. Cliente\n2. Policia\n3. Outro', digit('p_province'));
  screen('p_province', 'Provincia?\n1. Maputo\n...\n5. Sofala', digit('p_help'));
  screen('p_help', 'Que ajuda precisa?\n1. Saude\n2. Juridica\n3. Nenhuma', digit('p_contact'));
  screen('p_contact', 'Como contactar?\n1. SMS\n2. Chamada\n3. Nenhum', digit('words'));
  // Urgent branch.
  screen('u_contact', 'Como contactar?\n1. SMS\n2. Chamada', digit('u_province'));
  screen('u_province', 'Provincia?\n1. Maputo\n...\n5. Sofala', digit('u_alert'));
  screen('u_alert', 'Alerta enviado.\n1. Continuar', digit('u_when'));
  screen('u_when', 'Quando?\n1. Hoje\n2. Esta semana', digit('u_who'));
  screen('u_who', 'Quem fez isto?\n1. Cliente\n2. Policia', digit('u_help'));
  screen('u_help', 'Que ajuda precisa?\n1. Saude\n2. Juridica', digit('words'));
  // Both: a few words, then the PIN that sends.
  screen('words', 'Enviar?\n1. Enviar agora\n2. Acrescentar algumas palavras', { 2: 'description' });
  screen('description', 'Escreva algumas palavras:', { '*^[^*]{1,160}$': 'pin' });
  screen('pin', 'PIN de 4 digitos para enviar:', { '*^[0-9]{4}$': 'sent' });
  menu.state('sent', {
    run: async () => {
      const code = await submit(menu);
      menu.end(`Denuncia enviada. Codigo: ${code}`);
    },
  });
  return menu;
}

if (cluster.isPrimary) {
  const workers = Number(process.env.NODE_WORKERS || '2');
  let stopping = false;
  const primaryKey = process.env.SEAL_KEY || crypto.randomBytes(32).toString('hex');
  for (let i = 0; i < workers; i += 1) cluster.fork({ SEAL_KEY: primaryKey });
  cluster.on('exit', (worker, code) => {
    // A worker that dies outside a shutdown is a failed run, not something to hide by restarting.
    if (!stopping) {
      console.error(`worker ${worker.process.pid} exited (${code}); stopping`);
      process.exit(1);
    }
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers)) worker.kill('SIGTERM');
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  serve().catch((error) => {
    console.error('worker failed to start:', error);
    process.exit(1);
  });
}
