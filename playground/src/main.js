// The bundled userplan playground: GraphiQL with everything it needs, talking to the
// server that served the page (no other host is contacted).
import { createElement, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createClient } from 'graphql-ws';
import 'graphiql/style.css';
import './page.css';
import { mount } from './playground.js';

mount({ createElement, StrictMode, createRoot, GraphiQL, createClient });
