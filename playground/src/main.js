// The userplan playground: GraphiQL, bundled with everything it needs, talking to the
// server that served the page (no other host is contacted).
import { createElement, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import './page.css';
import { createUserplanFetcher } from './fetcher.js';

const fetcher = createUserplanFetcher({
  url: `${location.origin}/graphql`,
  subscriptionUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql/ws`,
});

const DEFAULT_QUERY = `# The userplan playground (GraphiQL).
#
# Run the operation with the play button or Ctrl-Enter.
# Docs: the book icon, top left. Completion: Ctrl-Space.
#
# If the server has an API token, put it in the Headers
# tab below:
#   {"Authorization": "Bearer <the token>"}
# HTTP requests send these headers; subscriptions send
# the same object as their connection_init payload.
# Then reload the schema (circular arrows, bottom left).
# Headers are not saved in the browser.
#
# To watch memberships change, run this in a new tab:
#   subscription Changes {
#     membershipChanged { kind userId planId role at }
#   }

query Users {
  users(first: 10) {
    totalCount
    nodes {
      id
      email
      name
      planCount
      plans {
        id
        name
      }
    }
  }
}
`;

const root = createRoot(document.getElementById('root'));
root.render(
  createElement(
    StrictMode,
    null,
    createElement(GraphiQL, {
      fetcher,
      defaultQuery: DEFAULT_QUERY,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers',
      defaultHeaders: '{}',
      // Tokens are not written to localStorage.
      shouldPersistHeaders: false,
    }),
  ),
);
