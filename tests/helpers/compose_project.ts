/**
 * The compose project of the compose tests and the bench: web (a
 * published port, on front) serves what api (on front and back,
 * healthchecked) wrote into a named volume; db is on back only; web
 * depends on api.
 * @module
 */

/** The project's docker-compose.yml, web published on 127.0.0.1:`port`. */
export function threeServiceProject(port: number): string {
  return `version: "3.8"
services:
  web:
    image: busybox
    command: httpd -f -p 80 -h /www
    ports: ["127.0.0.1:${port}:80"]
    networks: [front]
    depends_on: [api]
    volumes: ["www:/www"]
  api:
    image: busybox
    command: sh -c 'echo served-from-volume > /www/index.html; echo api ready; exec httpd -f -p 8000 -h /www'
    networks: [front, back]
    volumes: ["www:/www"]
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:8000/"]
      interval: 1s
      retries: 30
  db:
    image: busybox
    command: sleep 100000
    networks: [back]
networks:
  front: {}
  back: {}
volumes:
  www: {}
`;
}
