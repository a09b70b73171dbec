{# A vector layer (landplan/_map_layers.py, _GeoLayer): its features in the compact
   encoding (landplan/_map_codec.py), decoded (codec.js), drawn and styled with the
   LANDPLAN runtime (runtime.js), kept in LANDPLAN.layers under its key.
   folium renders only the script macro below, with the element as `this`; each value it
   puts in the page is JSON made safe for a <script> element (landplan/_map_json.py). #}
{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = LANDPLAN.layer({{ this.key }}, {{ this.data }},
            {{ this.style }}, {{ this.popup }}, {{ this.tooltip }});
        {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
        {% endmacro %}
