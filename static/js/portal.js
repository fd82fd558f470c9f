// The letter's QR code opens /family/activate/#ma=XXXX-XXXX-XXXX: fill the code field from the
// fragment (never sent to the server), then move to the next field.
(function () {
  var match = /(?:^|[#&])ma=([0-9A-Za-z-]{12,20})/.exec(window.location.hash);
  if (!match) return;
  // Take the code out of the address bar (and out of the history), then fill the field.
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  var field = document.getElementById("id_code");
  if (field && !field.value) {
    field.value = match[1].toUpperCase();
    var next = document.getElementById("id_date_of_birth");
    if (next) next.focus();
  }
})();
