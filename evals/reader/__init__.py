"""Training the reader (`rag/components/reader`) from realtimeqa-dev: data, recipe, figures.

`python -m evals.reader` (or `make reader`) builds the candidates, trains on
2020-21, picks the threshold on 2022, prints the 2022 figures and exports the
int8 ONNX model with its card. Nothing here runs at ask time.
"""
