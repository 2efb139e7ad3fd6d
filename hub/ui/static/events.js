// Live events: new rows arrive as server-sent events and go on top of the table.
// Text only (textContent), never markup from the server.
(function () {
  var table = document.getElementById("events");
  if (!table || !window.EventSource) { return; }
  var body = table.tBodies[0];
  var state = document.getElementById("live-state");
  var source = new EventSource(table.dataset.stream);

  function cell(row, text, cls) {
    var td = row.insertCell(-1);
    td.textContent = text;
    if (cls) { td.className = cls; }
    return td;
  }

  source.addEventListener("access", function (message) {
    var e = JSON.parse(message.data);
    if (body.querySelector('tr[data-id="' + e.id + '"]')) { return; }
    var row = body.insertRow(0);
    row.dataset.id = e.id;
    row.className = "new";
    cell(row, e.at + (e.historical ? " (late)" : ""));
    cell(row, e.person);
    cell(row, e.card);
    cell(row, e.point);
    cell(row, e.controller);
    cell(row, e.kind);
    cell(row, e.result, e.granted ? "ok" : "bad");
    cell(row, String(e.faces), "faces");
    var photo = cell(row, "");
    if (e.photo) {
      var link = document.createElement("a");
      link.href = e.photo;
      var img = document.createElement("img");
      img.src = e.photo;
      img.className = "thumb";
      img.alt = "access photo";
      link.appendChild(img);
      photo.appendChild(link);
    }
    while (body.rows.length > 200) { body.deleteRow(-1); }
  });
  source.onopen = function () { state.dataset.live = "1"; };
  source.onerror = function () { state.dataset.live = "0"; };
}());
