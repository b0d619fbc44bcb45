// Start Redoc on the API reference page (no inline script: the CSP forbids it).
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  if (!container || typeof Redoc === "undefined") {
    return;
  }
  Redoc.init(container.dataset.specUrl, { hideDownloadButton: false }, container);
})();
