{# A GeoJSON layer (landplan/_map_layers.py, _GeoLayer): drawn and styled with the
   LANDPLAN runtime (runtime.js), kept in LANDPLAN.layers under its key.
   folium renders only the script macro below, with the element as `this`; each value it
   puts in the page is JSON made safe for a <script> element (landplan/_map_json.py). #}
{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.data }}, {
            style: function (f) { return LANDPLAN.style({{ this.style }}, f); },
            pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 5}); },
            onEachFeature: function (f, layer) {
                LANDPLAN.bind(layer, f, {{ this.popup }}, {{ this.tooltip }});
            }
        });
        LANDPLAN.layers[{{ this.key }}] = {{ this.get_name() }};
        {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
        {% endmacro %}
