// The filing form: a change of community shows its buildings (the same as the
// "Show its buildings" button without JavaScript), and the unit list keeps to the
// chosen building. No inline script: the page's CSP allows only this file.
(function () {
  "use strict";
  var form = document.getElementById("ticket-form");
  if (!form) { return; }
  var community = form.querySelector("select[name=community]");
  var building = form.querySelector("select[name=building]");
  var unit = form.querySelector("select[name=unit]");
  if (community) {
    community.addEventListener("change", function () {
      var refresh = document.createElement("input");
      refresh.type = "hidden";
      refresh.name = "refresh";
      refresh.value = "1";
      form.appendChild(refresh);
      form.noValidate = true;
      form.submit();
    });
  }
  if (!building || !unit) { return; }
  function keepUnitsOfBuilding() {
    var chosen = building.value;
    var groups = unit.querySelectorAll("optgroup");
    for (var i = 0; i < groups.length; i++) {
      var options = groups[i].querySelectorAll("option");
      var ours = !chosen || (options.length && options[0].value.split("/")[0] === chosen);
      groups[i].hidden = !ours;
      groups[i].disabled = !ours;
    }
    var selected = unit.options[unit.selectedIndex];
    if (selected && selected.parentNode.disabled) { unit.value = ""; }
  }
  building.addEventListener("change", keepUnitsOfBuilding);
  unit.addEventListener("change", function () {
    var value = unit.value;
    if (value && !building.value) { building.value = value.split("/")[0]; keepUnitsOfBuilding(); }
  });
  keepUnitsOfBuilding();
})();
