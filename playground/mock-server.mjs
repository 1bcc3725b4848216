// A stand-in for the userplan server, for working on the playground without Rust:
//   node mock-server.mjs [port] [schema.graphql]
// POST /graphql runs queries against the real schema with canned data (3 users, 2 plans);
// /graphql/ws speaks graphql-transport-ws and answers membershipChanged with two events.
// GET /mock/last-connection-params shows the last connection_init payload received.
// With MOCK_TOKEN=secret, both require "Authorization: Bearer secret" (HTTP header, or the
// same key in the connection_init payload), as the server does with --api-token.
// It is not the server: no validation, no persistence, no error codes beyond that.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, graphql } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';

const port = Number(process.argv[2] ?? 18080);
const schemaPath = process.argv[3] ?? fileURLToPath(new URL('../schema.graphql', import.meta.url));
const token = process.env.MOCK_TOKEN;
const schema = buildSchema(readFileSync(schemaPath, 'utf8'));

const now = '2025-01-01T00:00:00Z';
const plans = [1, 2].map((n) => ({
  id: `00000000-0000-7000-8000-00000000010${n}`,
  name: `Plan ${n}`,
  description: null,
  insertedAt: now,
  updatedAt: now,
}));
const users = [1, 2, 3].map((n) => ({
  id: `00000000-0000-7000-8000-00000000000${n}`,
  email: `user${n}@example.test`,
  name: `User ${n}`,
  insertedAt: now,
  updatedAt: now,
  planCount: 2,
  plans: () => plans.map((p) => ({ ...p, userCount: 3, users: [], memberships: [] })),
  memberships: [],
}));
const connection = (rows, first = 50) => {
  const page = rows.slice(0, first);
  return {
    totalCount: rows.length,
    nodes: page,
    edges: page.map((node, i) => ({ cursor: `c${i}`, node })),
    pageInfo: { hasNextPage: page.length < rows.length, hasPreviousPage: false, startCursor: page.length ? 'c0' : null, endCursor: page.length ? `c${page.length - 1}` : null },
  };
};
const rootValue = {
  users: ({ first }) => connection(users, first ?? 50),
  plans: ({ first }) => connection(plans.map((p) => ({ ...p, userCount: 3, users, memberships: [] })), first ?? 50),
  user: ({ id }) => users.find((u) => u.id === id) ?? null,
  plan: ({ id }) => plans.find((p) => p.id === id) ?? null,
  userPlan: () => null,
};
schema.getSubscriptionType().getFields().membershipChanged.subscribe = async function* () {
  for (const kind of ['ADDED', 'REMOVED']) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    yield { membershipChanged: { kind, userId: users[0].id, planId: plans[0].id, role: kind === 'ADDED' ? 'MEMBER' : null, at: now } };
  }
};

let lastConnectionParams = null;
const authorized = (value) => !token || value === `Bearer ${token}`;

const server = createServer(async (req, res) => {
  const path = req.url.split('?')[0];
  if (path === '/mock/last-connection-params') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(lastConnectionParams));
  }
  if (path === '/ready' || path === '/health') return res.end('ok');
  if (path !== '/graphql' || req.method !== 'POST') {
    res.writeHead(404);
    return res.end('not found');
  }
  let body = '';
  for await (const chunk of req) body += chunk;
  const reply = (status, result) => {
    res.writeHead(status, { 'content-type': 'application/graphql-response+json' });
    res.end(JSON.stringify(result));
  };
  if (!authorized(req.headers.authorization)) {
    return reply(401, { errors: [{ message: 'missing or wrong bearer token', extensions: { code: 'UNAUTHENTICATED' } }] });
  }
  try {
    const { query, variables, operationName } = JSON.parse(body);
    reply(200, await graphql({ schema, source: query, rootValue, variableValues: variables, operationName }));
  } catch (err) {
    reply(400, { errors: [{ message: String(err), extensions: { code: 'BAD_USER_INPUT' } }] });
  }
});

const wss = new WebSocketServer({ server, path: '/graphql/ws' });
useServer(
  {
    schema,
    roots: { query: rootValue },
    onConnect(ctx) {
      lastConnectionParams = ctx.connectionParams ?? null;
      return authorized(ctx.connectionParams?.Authorization);
    },
  },
  wss,
);

server.listen(port, '127.0.0.1', () => console.log(`mock userplan on http://127.0.0.1:${port}`));
