#!/usr/bin/env bash
# Rebuilds dist/, the GraphiQL the server embeds for debug mode, from the
# npm packages pinned in package-lock.json: the browser builds of React,
# ReactDOM and GraphiQL (which bundles everything else it needs) and
# GraphiQL's stylesheet, copied as published, with the source-map comment
# dropped (the maps are not shipped), plus the licences of every package.
# dist/ is committed, so building the server needs no node. Run it after
# changing package.json (then commit package-lock.json and dist/):
#   gql/graphiql/build.sh
set -euo pipefail
cd "$(dirname "$0")"

npm ci --ignore-scripts --no-audit --no-fund
rm -rf dist
mkdir dist
strip_map() { sed '/^\/\/# sourceMappingURL=/d' "$1" > "$2"; }
strip_map node_modules/react/umd/react.production.min.js dist/react.production.min.js
strip_map node_modules/react-dom/umd/react-dom.production.min.js dist/react-dom.production.min.js
strip_map node_modules/graphiql/graphiql.min.js dist/graphiql.min.js
strip_map node_modules/graphiql/graphiql.min.css dist/graphiql.min.css

# Licences, package by package, in a stable order.
{
	echo "Licences of the npm packages in dist/ (GraphiQL's build bundles the ones it depends on)."
	npm ls --all --parseable 2>/dev/null | sed "s|^$PWD/||" | grep '^node_modules/' | LC_ALL=C sort -u |
		while read -r dir; do
			lic=$(find "$dir" -maxdepth 1 -iname 'licen[cs]e*' | LC_ALL=C sort | head -n1)
			name=$(node -p "const p=require('./$dir/package.json'); p.name + '@' + p.version + ' (' + (p.license || 'see package') + ')'")
			printf '\n==== %s\n\n' "$name"
			if [ -n "$lic" ]; then cat "$lic"; else echo "(no licence file in the package)"; fi
		done
} > dist/LICENSES.txt
ls -l dist
