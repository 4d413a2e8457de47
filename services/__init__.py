"""Meterhub: household energy meters on an MQTT bus."""

import os

# Meterhub's numpy work is many small matrices (digit crops, a frame's ROIs): BLAS
# threads only contend for the cores, most of all with two OCR workers or a training run
# beside the services (measured: two `meterhub ocr train` runs side by side on 2 cores
# finish in 17 s with one thread each, 44 s with two; one run alone is no slower).
# Set before numpy is first imported; a value in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
