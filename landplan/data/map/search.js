{# The search box (landplan/_map_controls.py, _Search): leaflet-search over the decisions'
   q property (decision number · parcel id · commune, made in the page: runtime.js) and the
   communes, ignoring diacritics and case (inspector.js); its tips are built with textContent.
   folium renders only the script macro below, with the element as `this`; each value it
   puts in the page is JSON made safe for a <script> element (landplan/_map_json.py). #}
{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new L.Control.Search({
            layer: {{ this.layer.get_name() }}, propertyName: "q", initial: false,
            marker: false, textPlaceholder: {{ this.placeholder }},
            textErr: {{ this.not_found }}, textCancel: {{ this.cancel }}, collapsed: false,
            tooltipLimit: 100,
            buildTip: LANDPLAN.searchTip,
            filterData: function (text, records) { return LANDPLAN.searchFilter(text, records); },
            moveToLocation: function (latlng) { LANDPLAN.searchMove(latlng); }
        });
        {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
        {% endmacro %}
