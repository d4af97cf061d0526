/* Mobility explorers: pick a grid point with the controls, show the library's numbers for it.
   Data: the JSON script inside each .mobility-explorer (built by mobility.publish.explorer). No network. */
(function () {
  "use strict";
  function fmt(v, digits) {
    if (v === null || v === undefined || (typeof v === "number" && !isFinite(v))) return "\u2014";
    if (typeof v === "string") return v;
    var t = Number(v).toFixed(digits);
    if (/^-0(\.0*)?$/.test(t)) t = t.slice(1);
    return t.replace("-", "\u2212");
  }
  function drawRelocation(box, row, names, data) {
    var get = function (n) { var i = names.indexOf(n); return i < 0 || !row ? null : row[i]; };
    var aD = get("a_D"), aX = get("a_X"), aR = get("a_R"), phi = get("phi"), pP = get("phi_p"), pS = get("phi_s");
    if (aD === null) { box.innerHTML = ""; return; }
    var W = 520, x = function (a) { return 10 + 500 * a; };
    var seg = function (a, b, colour, label) {
      if (b <= a) return "";
      return '<rect x="' + x(a).toFixed(1) + '" y="28" width="' + (x(b) - x(a)).toFixed(1) +
        '" height="22" fill="' + colour + '"><title>' + label + "</title></rect>";
    };
    var svg = '<svg viewBox="0 0 ' + W + ' 130" role="img" aria-label="Southern-born firms by unit input a">' +
      '<text x="10" y="18" font-size="12">Southern-born firms by unit input a (0 = most efficient):</text>' +
      seg(0, aR, "#0072B2", "relocated to the North") + seg(aR, aX, "#009E73", "exporters producing in the South") +
      seg(Math.max(aR, aX), aD, "#E69F00", "domestic sellers in the South") + seg(aD, 1, "#dddddd", "exit") +
      '<text x="10" y="66" font-size="11" fill="#0072B2">\u25A0 relocated</text>' +
      '<text x="110" y="66" font-size="11" fill="#009E73">\u25A0 export from South</text>' +
      '<text x="250" y="66" font-size="11" fill="#E69F00">\u25A0 sell at home</text>' +
      '<text x="360" y="66" font-size="11" fill="#777">\u25A0 exit</text>' +
      '<text x="10" y="92" font-size="12">Freeness of trade \u03C6 (marks: \u03C6_P, \u03C6_S):</text>' +
      '<line x1="10" y1="110" x2="510" y2="110" stroke="#222"/>';
    [[pP, "\u03C6_P"], [pS, "\u03C6_S"]].forEach(function (m) {
      if (m[0] !== null && m[0] <= 1) svg += '<line x1="' + x(m[0]) + '" y1="102" x2="' + x(m[0]) +
        '" y2="118" stroke="#D55E00"/><text x="' + (x(m[0]) + 3) + '" y="127" font-size="11" fill="#D55E00">' + m[1] + "</text>";
    });
    svg += '<circle cx="' + x(phi) + '" cy="110" r="5" fill="#0072B2"/></svg>';
    box.innerHTML = svg;
  }
  function setup(root) {
    var data = JSON.parse(root.querySelector("script.explorer-data").textContent);
    var controls = Array.prototype.slice.call(root.querySelectorAll("[data-control]"));
    var names = data.outputs.map(function (o) { return o.name; });
    var status = root.querySelector(".explorer-status");
    var svgBox = root.querySelector(".explorer-svg");
    function update() {
      var key = controls.map(function (c) { return c.value; }).join(",");
      controls.forEach(function (c, i) {
        var out = root.querySelector('output[data-value="' + c.getAttribute("data-control") + '"]');
        if (out) out.textContent = data.controls[i].labels[Number(c.value)];
      });
      var row = data.rows[key];
      var exists = row !== undefined && row !== null;
      status.textContent = exists ? "" : data.missing;
      root.classList.toggle("explorer-none", !exists);
      data.outputs.forEach(function (o, i) {
        var cell = root.querySelector('[data-out="' + o.name + '"]');
        if (cell) cell.textContent = exists ? fmt(row[i], o.digits) : "\u2014";
      });
      if (svgBox) drawRelocation(svgBox, exists ? row : null, names, data);
    }
    controls.forEach(function (c) { c.disabled = false; c.addEventListener("input", update); c.addEventListener("change", update); });
    update();
  }
  function init() { document.querySelectorAll(".mobility-explorer").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
