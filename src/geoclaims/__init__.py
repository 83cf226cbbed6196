"""geoclaims: test the geographic claims of news and opinion writing against open conflict data.

The package's modules are the pipeline's stages, data flowing one way:

    datasets -> article -> places -> events -> control -> claims -> maps

``datasets`` fetches and verifies third-party inputs, ``article`` reads the text under study,
``places`` geoparses it, ``events`` loads conflict event data into one schema, ``control``
models who held which ground when, ``claims`` turns the article's statements into tests with
verdicts, and ``maps`` draws and exports the results.
"""

import warnings

__version__ = "0.1.0"

# pooch imports tqdm.auto, which in a notebook kernel without ipywidgets warns that it cannot draw
# a progress widget; geoclaims never draws one, so the warning is noise on every rendered page.
warnings.filterwarnings("ignore", message="IProgress not found")
