# Stands in for a slow package install: it writes what it "installed".
mkdir -p /opt/deps
while read -r name; do echo "installed $name" >> /opt/deps/installed.txt; done < deps/list.txt
cat /opt/deps/installed.txt
