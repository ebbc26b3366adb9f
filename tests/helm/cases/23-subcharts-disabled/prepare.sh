# the "packed" subchart ships as a gzipped tar, like `helm dependency build` leaves it
tar -C src -czf parent/charts/packed-1.4.0.tgz packed
