FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY edrops ./edrops
COPY notifications ./notifications
COPY rosters ./rosters
RUN pip install .
COPY . .
# collectstatic needs settings that import cleanly; these throwaway values never run a server.
RUN DEBUG=0 SECRET_KEY=build ALLOWED_HOSTS=build python manage.py collectstatic --noinput
USER nobody
EXPOSE 8000
CMD ["gunicorn", "edrops.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4"]
