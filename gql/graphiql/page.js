// Starts GraphiQL on the page served at /graphql/ in debug mode. Requests
// go to the same /graphql/ with the session's cookies; unsafe ones need the
// CSRF token, which this fetcher reads from the csrftoken cookie (fetching
// /api/csrf/ first when there is none) and sends as X-CSRFToken, as the web
// client does.
(function () {
  'use strict';
  var endpoint = window.location.pathname;

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split('; ') : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return '';
  }

  function csrfToken() {
    var token = cookie('csrftoken');
    if (token) return Promise.resolve(token);
    return fetch('/api/csrf/', { credentials: 'same-origin' }).then(function () { return cookie('csrftoken'); });
  }

  function fetcher(params, opts) {
    return csrfToken().then(function (token) {
      var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
      var extra = (opts && opts.headers) || {};
      Object.keys(extra).forEach(function (k) { headers[k] = extra[k]; });
      headers['X-CSRFToken'] = token;
      return fetch(endpoint, {
        method: 'POST',
        credentials: 'same-origin',
        headers: headers,
        body: JSON.stringify(params),
      });
    }).then(function (res) {
      return res.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (e) {
          // A refusal before GraphQL (403 CSRF page, 413, …) is not JSON.
          return { errors: [{ message: 'HTTP ' + res.status + ': ' + text.slice(0, 300) }] };
        }
      });
    });
  }

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
    defaultQuery: '# EduSphere GraphQL (debug mode). Ctrl-Enter runs the operation.\n' +
      'query Rooms {\n  rooms {\n    name\n    slug\n    host { username }\n    topic { name }\n  }\n}\n',
  }));
})();
