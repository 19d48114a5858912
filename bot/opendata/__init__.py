"""Open data: the datasets the city publishes at ``/opendata/`` (JSON, CSV with a BOM, and a metadata document
with data.gov.tw's fields), and the monthly figures the public statistics page draws.

``registry`` describes a dataset (fields with types, update frequency, licence) and writes its documents;
``datasets`` holds the notices, deliveries and check-ins datasets, ``petitions`` the petition statistics;
``charts`` the monthly series and their SVG bars. Every dataset holds counts and public facts only: never a
resident's id, name or words, never a training or sandboxed notice.
"""
