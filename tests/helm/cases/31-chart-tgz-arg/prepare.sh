# the chart argument is a packaged chart archive
tar -C src -czf webapp-1.0.0.tgz webapp
