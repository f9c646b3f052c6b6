// The run page of a running run follows its progress through server-sent events: the Landscape
// is polled by the console, and each "progress" event carries the counts it has committed.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var facts = document.getElementById("run-facts");
  if (!facts || !facts.dataset.events || !window.EventSource) {
    return;
  }
  function set(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) {
      el.textContent = text;
    }
  }
  var source = new EventSource(facts.dataset.events);
  source.addEventListener("progress", function (event) {
    var p = JSON.parse(event.data);
    var status = document.querySelector("#run-status .status");
    if (status) {
      status.textContent = p.status;
      status.className = "status " + p.status;
    }
    set("run-rows", String(p.rows));
    set("run-duration", p.duration);
    Object.keys(p.nodes).forEach(function (node) { set("count-node-" + node, p.nodes[node]); });
    Object.keys(p.edges).forEach(function (edge) { set("count-edge-" + edge, p.edges[edge]); });
    var sinks = document.getElementById("sinks");
    Object.keys(p.sinks).forEach(function (sink) {
      if (!document.getElementById("sink-" + sink) && sinks) {
        var row = sinks.insertRow(-1);
        row.insertCell(0).textContent = sink;
        var cell = row.insertCell(1);
        cell.className = "num";
        cell.id = "sink-" + sink;
      }
      set("sink-" + sink, String(p.sinks[sink]));
    });
    if (p.status !== "running") {
      source.close();
    }
  });
});
