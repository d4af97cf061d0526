/* Mobility: a display equation wider than its column (a phone) is scaled down to fit, to 55 % at most;
   beyond that it scrolls inside its own box. The equation number never overlaps it (book/_static/mobility.css). */
(function () {
  "use strict";
  function fit() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (m) {
      m.style.fontSize = "";
      var box = m.clientWidth, need = m.scrollWidth;
      if (box > 0 && need > box + 1) {
        m.style.fontSize = Math.max(0.55, (box - 2) / need) * 100 + "%";
      }
    });
  }
  function whenTypeset() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(fit);
    }
  }
  window.addEventListener("load", whenTypeset);
  var timer = null;
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(fit, 100); });
})();
