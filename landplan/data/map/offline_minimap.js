{# The offline mini-map (landplan/_map_controls.py, _OfflineMiniMap): the district outline
   instead of tiles, so it makes no network request.
   folium renders only the script macro below, with the element as `this`; each value it
   puts in the page is JSON made safe for a <script> element (landplan/_map_json.py). #}
{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new L.Control.MiniMap(
            L.geoJSON(LANDPLAN.decode({{ this.outline }}), {style: {color: "#555", weight: 1,
                                                 fillColor: "#ddd", fillOpacity: 0.8}}),
            {toggleDisplay: true, position: "bottomright", zoomLevelOffset: -4,
             width: 150, height: 150, strings: {{ this.strings }}});
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
