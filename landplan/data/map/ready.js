{# Sets window.LANDPLAN_READY (landplan/_map_controls.py, _Ready) to the time at which the
   layers were drawn: after every layer's script and two animation frames.
   folium renders only the script macro below. #}
{% macro script(this, kwargs) %}
        requestAnimationFrame(function () { requestAnimationFrame(function () {
            window.LANDPLAN_READY = performance.now(); }); });
        {% endmacro %}
