// Keyboard shortcuts for the item page: 1-4 label, s skip, j/k next/previous, q queue.
(function () {
  "use strict";
  var body = document.body;
  if (!body || body.getAttribute("data-page") !== "item") { return; }
  var form = document.getElementById("decision-form");
  function typing(target) {
    var tag = (target && target.tagName) || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key;
    if (form) {
      var button = form.querySelector('button[data-key="' + key + '"]');
      if (button) {
        event.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
        return;
      }
    }
    var target = null;
    if (key === "j") { target = body.getAttribute("data-next"); }
    else if (key === "k") { target = body.getAttribute("data-prev"); }
    else if (key === "q") { target = body.getAttribute("data-queue"); }
    if (target) { event.preventDefault(); window.location.assign(target); }
  });
})();
