{# The search box (landplan/_map_controls.py, _Search): leaflet-search over the decisions'
   q property (decision number · parcel id); its tips are built with textContent (runtime.js).
   folium renders only the script macro below, with the element as `this`; each value it
   puts in the page is JSON made safe for a <script> element (landplan/_map_json.py). #}
{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new L.Control.Search({
            layer: {{ this.layer.get_name() }}, propertyName: "q", initial: false,
            marker: false, zoom: 18, textPlaceholder: {{ this.placeholder }},
            textErr: {{ this.not_found }}, collapsed: false,
            buildTip: LANDPLAN.searchTip,
            moveToLocation: function (latlng, title, map) {
                map.setView(latlng, Math.max(map.getZoom(), 17)); }
        });
        {{ this.get_name() }}.on("search:locationfound", function (e) {
            if (e.layer && e.layer.openPopup) { e.layer.openPopup(); } });
        {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
        {% endmacro %}
