package org.conceptscope.attribution;

import java.util.Map;

/**
 * Where a tiled explanation keeps each finished batch of tiles, so that an interrupted run resumes
 * without computing them again ({@link TiledExplainer}). Pass 1 stores a batch's class
 * probabilities [count, K], pass 2 its raw tile maps [count, tile height, tile width] and the
 * method's metadata; the blending is done again from them, in the same order, so a resumed
 * explanation is the uninterrupted one. A batch is named by its pass, its first tile (global tile
 * number of this explanation) and its count; a store that has no such batch, or one of another
 * length, returns null and the batch is computed.
 */
public interface TileCheckpoint {

	/** A stored batch: its values and (pass 2) the method's metadata. */
	record Stored(float[] values, Map<String, String> metadata) {}

	/** Keeps nothing. */
	TileCheckpoint NONE = new TileCheckpoint() {
		@Override
		public Stored load(int pass, int first, int count) {
			return null;
		}

		@Override
		public void save(int pass, int first, int count, float[] values, Map<String, String> metadata) {
			// nothing kept
		}
	};

	/** The stored batch, or null when it is to be computed. */
	Stored load(int pass, int first, int count);

	/** Keeps a finished batch (called right after it is computed). */
	void save(int pass, int first, int count, float[] values, Map<String, String> metadata);
}
