// Caseload's GraphiQL page. A file of its own, not an inline script: the page's
// Content-Security-Policy runs scripts from this origin only.
(function () {
  "use strict";

  var url = window.location.origin + "/graphql";
  var subscriptionUrl = url.replace(/^http/, "ws");

  var DEFAULT_QUERY = [
    "# Caseload GraphiQL. Sign in, then put the token in the Headers tab below as",
    '#   {"Authorization": "Bearer <token>"}',
    "# Subscriptions use the same header (sent in connection_init).",
    "",
    "mutation {",
    '  login(input: {email: "coach@demo.caseload.dev", password: "demo-coach-password"}) {',
    "    token",
    "    userErrors { code field message }",
    "  }",
    "}",
    "",
  ].join("\n");

  // One fetcher per Authorization value: a socket signs in once, in connection_init, with the
  // header the Headers tab held when it opened.
  var fetchers = {};
  function fetcherFor(authorization) {
    var key = authorization || "";
    if (!fetchers[key]) {
      fetchers[key] = GraphiQL.createFetcher({
        url: url,
        subscriptionUrl: subscriptionUrl,
        wsConnectionParams: authorization ? { authorization: authorization } : {},
      });
    }
    return fetchers[key];
  }

  // GraphiQL parses the editor's document a moment after an edit, so a run right after one came
  // with the previous document's parse and operation name (a subscription went over HTTP, an
  // operation name the document no longer has was sent). Use the document being sent.
  function current(params, options) {
    var document;
    try {
      document = GraphiQL.GraphQL.parse(params.query);
    } catch (error) {
      return [params, options]; // the server says what is wrong with it
    }
    var names = document.definitions
      .filter(function (definition) {
        return definition.kind === "OperationDefinition";
      })
      .map(function (definition) {
        return definition.name ? definition.name.value : null;
      });
    if (params.operationName && names.indexOf(params.operationName) < 0 && names.length === 1) {
      params = Object.assign({}, params, { operationName: names[0] });
    }
    return [params, Object.assign({}, options, { documentAST: document })];
  }

  function fetcher(params, options) {
    var sent = current(params, options);
    params = sent[0];
    options = sent[1];
    var headers = (options && options.headers) || {};
    var authorization = null;
    Object.keys(headers).forEach(function (name) {
      if (name.toLowerCase() === "authorization") {
        authorization = headers[name];
      }
    });
    return fetcherFor(authorization)(params, options);
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      inputValueDeprecation: true,
    }),
  );
})();
