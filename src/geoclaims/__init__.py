"""geoclaims: test the geographic claims of news and opinion writing against open conflict data.

The package's modules are the pipeline's stages, data flowing one way:

    datasets -> article -> places -> events -> control -> claims -> maps

``datasets`` fetches and verifies third-party inputs, ``article`` reads the text under study,
``places`` geoparses it, ``events`` loads conflict event data into one schema, ``control``
models who held which ground when, ``claims`` turns the article's statements into tests with
verdicts, and ``maps`` draws and exports the results.
"""

__version__ = "0.1.0"
