// A single-page app on another origin than the API, in plain JS: fetch for GraphQL over HTTP and a
// hand-written graphql-transport-ws client for the live messages. No library, no CDN.
"use strict";

const API = new URLSearchParams(window.location.search).get("api");
const SOCKET_URL = API.replace(/^http/, "ws") + "/graphql";

const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token userErrors { code message } }
}`;

const MY_CLIENTS = `query MyClients {
  viewer { user { name } }
  dashboard { categoryCounts { category count } }
  myClients(first: 100) {
    totalCount
    edges { node {
      id name category creditsAvailable
      creditPool { kind balance }
      eligibility { eligible reasons }
      lastSession { startsAt status }
      nextSession { startsAt status }
    } }
  }
}`;

const MESSAGES = `subscription Messages { messageReceived { id body senderName sentAt } }`;

function setStatus(state, text) {
  const status = document.getElementById("status");
  status.dataset.state = state;
  status.textContent = text || state;
}

async function graphql(query, variables, token) {
  const headers = { "content-type": "application/json", accept: "application/graphql-response+json" };
  if (token) headers.authorization = "Bearer " + token;
  const response = await fetch(API + "/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables: variables || {} }),
  });
  const body = await response.json();
  if (!response.ok || body.errors) {
    throw new Error("GraphQL " + response.status + ": " + JSON.stringify(body.errors));
  }
  return body.data;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function when(session) {
  return session ? session.startsAt + " (" + session.status + ")" : "—";
}

function renderClients(data) {
  document.getElementById("coach-name").textContent = data.viewer.user.name;
  const categories = document.getElementById("categories");
  for (const { category, count } of data.dashboard.categoryCounts) {
    const item = document.createElement("li");
    item.dataset.category = category;
    item.textContent = category + ": " + count;
    categories.appendChild(item);
  }
  const body = document.querySelector("#clients tbody");
  for (const { node } of data.myClients.edges) {
    const row = document.createElement("tr");
    row.dataset.clientId = node.id;
    cell(row, node.name, "name");
    cell(row, node.category || "—", "category");
    const eligibility = node.eligibility.eligible ? "eligible" : "ineligible: " + node.eligibility.reasons.join(", ");
    cell(row, eligibility, node.eligibility.eligible ? "eligible" : "ineligible").classList.add("eligibility");
    const credits = node.creditsAvailable + " (" + node.creditPool.kind + " pool, balance " + node.creditPool.balance + ")";
    cell(row, credits, "credits");
    cell(row, when(node.lastSession), "last-session");
    cell(row, when(node.nextSession), "next-session");
    body.appendChild(row);
  }
}

// graphql-transport-ws: connection_init (with the token) -> connection_ack -> subscribe -> next...
function subscribe(token, query, onNext) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(SOCKET_URL, "graphql-transport-ws");
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: "Bearer " + token } }));
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "messages", type: "subscribe", payload: { query } }));
        resolve(socket);
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (message.type === "next") {
        onNext(message.payload);
      } else if (message.type === "error") {
        setStatus("error", "subscription error: " + JSON.stringify(message.payload));
      }
    };
    socket.onclose = (event) => {
      setStatus("closed", "socket closed " + event.code + " " + event.reason);
      reject(new Error("socket closed " + event.code));
    };
  });
}

function showMessage(payload) {
  const message = payload.data.messageReceived;
  const item = document.createElement("li");
  item.dataset.messageId = message.id;
  item.textContent = message.senderName + ": " + message.body;
  document.getElementById("messages").appendChild(item);
}

async function main() {
  setStatus("signing-in", "signing in");
  const login = await graphql(LOGIN, { email: "coach@demo.caseload.dev", password: "demo-coach-password" });
  const token = login.login.token;
  renderClients(await graphql(MY_CLIENTS, {}, token));
  setStatus("loaded", "clients loaded");
  await subscribe(token, MESSAGES, showMessage);
  setStatus("subscribed", "listening for messages");
}

main().catch((error) => setStatus("error", String(error)));
