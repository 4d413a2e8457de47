# One image for every Meterhub service: `meterhub run <service>`, or all in one process.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# OCR engines for the digit reader, and MQTT command-line clients for debugging.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr ssocr mosquitto-clients \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
RUN pip install . && cd / && rm -rf /src

RUN useradd --create-home --uid 1000 --user-group meterhub \
    && mkdir /data \
    && chown meterhub:meterhub /data
USER meterhub
WORKDIR /home/meterhub
VOLUME ["/data"]
EXPOSE 8080 8081

# Each service serves /healthz on the port given by --health-port (8081 here and in
# docker-compose.yml): 200 when its broker connection is up, 503 when not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8081/healthz', timeout=4)"]

ENTRYPOINT ["meterhub"]
CMD ["run", "all", "--health-port", "8081"]
