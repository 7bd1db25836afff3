"""One adaptation module per Keras guide: SOURCE (repo, commit, path), EDITS, EMBER_EDITS."""
