// Applies the saved theme before the first paint, so a dark-mode reader
// never sees a flash of the light theme. Kept tiny and synchronous.
(function () {
  try {
    var t = localStorage.getItem('edusphere.theme');
    if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t;
  } catch (e) { /* storage may be disabled; fall back to prefers-color-scheme */ }
})();
