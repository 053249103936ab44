// Draws every chart of the page from the JSON configuration the server wrote beside its canvas.
// No framework, no build step: Chart.js (static/vendor, MIT) is the only library.
(function () {
  "use strict";
  function draw() {
    if (typeof Chart === "undefined") { return; }
    Chart.defaults.font.family = "system-ui, sans-serif";
    Chart.defaults.color = "#1d232a";
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.animation = false;
    document.querySelectorAll("script[data-chart-for]").forEach(function (node) {
      var canvas = document.getElementById(node.getAttribute("data-chart-for"));
      if (canvas) { new Chart(canvas, JSON.parse(node.textContent)); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
