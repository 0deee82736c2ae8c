// The quote-line editor of the conclude-diagnosis page: line nets and totals as you type, more lines
// on demand, the quote shown only with the "quoted" outcome. The server recomputes every amount;
// this is only what the agent sees while typing. No inline script: the CSP allows files from 'self'.
(function () {
  "use strict";
  var editor = document.getElementById("quote-editor");
  if (!editor) { return; }
  var rate = parseFloat(editor.dataset.vatRate.replace(",", ".")) || 0;
  var format = new Intl.NumberFormat(document.documentElement.lang || "en",
    { style: "currency", currency: editor.dataset.currency || "EUR" });
  var body = document.getElementById("quote-lines");
  var total = document.querySelector("input[name='lines-TOTAL_FORMS']");
  var template = document.getElementById("quote-line-template");
  var addButton = document.getElementById("add-line");

  function cents(value) { return Math.round((value + Number.EPSILON) * 100); }
  function number(input) { var v = parseFloat((input && input.value || "").replace(",", ".")); return isNaN(v) ? 0 : v; }

  function recompute() {
    var net = 0;
    body.querySelectorAll("tr.quote-line").forEach(function (row) {
      var quantity = number(row.querySelector("input[name$='-quantity']"));
      var price = number(row.querySelector("input[name$='-unit_price']"));
      var lineNet = cents(quantity * price);  // each line rounded to the cent, as the server does
      net += lineNet;
      row.querySelector(".line-net").textContent = lineNet ? format.format(lineNet / 100) : "—";
    });
    var vat = cents(net / 100 * rate / 100);  // VAT once, on the net total
    document.getElementById("quote-net").textContent = format.format(net / 100);
    document.getElementById("quote-vat").textContent = format.format(vat / 100);
    document.getElementById("quote-gross").textContent = format.format((net + vat) / 100);
  }

  function addLine() {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    body.querySelector("tr.quote-line:last-child input").focus();
  }

  function showForOutcome() {
    var chosen = document.querySelector("input[name='outcome']:checked");
    editor.hidden = !chosen || chosen.value !== "quoted";
  }

  body.addEventListener("input", recompute);
  addButton.hidden = false;
  addButton.addEventListener("click", addLine);
  document.querySelectorAll("input[name='outcome']").forEach(function (radio) {
    radio.addEventListener("change", showForOutcome);
  });
  showForOutcome();
  recompute();
}());
