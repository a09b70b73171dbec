{# Starts the inspector script (landplan/_map_inspector.py, Inspector; inspector.js) once
   the page's layers and controls are made, and adds the metric scale bar.
   folium renders only the script macro below, with the element as `this`. #}
{% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        LANDPLAN.inspect({{ this._parent.get_name() }}, {list: {{ this.with_list }},
            versions: {{ this.versions }}});
        {% endmacro %}
