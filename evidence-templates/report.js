// Counts the results the filters leave on screen. The filtering itself is CSS (it works with
// scripts off); this only writes "N of M shown" and marks sections that show none.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) {
    return;
  }
  var total = document.querySelectorAll(".result").length;
  function shown(el) {
    return el.getClientRects().length > 0;
  }
  function update() {
    var all = 0;
    document.querySelectorAll("section.item").forEach(function (section) {
      var results = section.querySelectorAll(".result");
      var n = 0;
      results.forEach(function (r) {
        if (shown(r)) {
          n += 1;
        }
      });
      all += n;
      var count = section.querySelector(".shown");
      if (count) {
        count.textContent = "(" + n + " of " + results.length + " shown)";
        count.hidden = n === results.length;
      }
      var none = section.querySelector(".none-shown");
      if (none) {
        none.hidden = results.length === 0 || n > 0;
      }
    });
    var out = document.getElementById("f-count");
    if (out) {
      out.textContent = all + " of " + total + " results shown";
    }
  }
  form.addEventListener("change", update);
  form.addEventListener("reset", function () {
    window.setTimeout(update, 0);
  });
  update();
})();
