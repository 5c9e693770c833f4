// "Check now": asks the server to re-read the record from the store; the answer is shown as text only.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("check-now");
  if (!button) return;
  button.addEventListener("click", function () {
    var out = document.getElementById("check-result");
    out.textContent = "…";
    fetch(button.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      out.textContent = (data.intact ? "✓ " : "✗ ") + (data.message || data.error || "") + (data.sha256 ? " sha256:" + data.sha256 : "");
      out.className = data.intact ? "ok" : "bad";
    });
  });
});
