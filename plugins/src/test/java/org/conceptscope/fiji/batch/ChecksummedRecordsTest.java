package org.conceptscope.fiji.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.conceptscope.attribution.TileCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch runner's resume files (parts and tile batches) read back what was written, and a file
 * with one byte changed anywhere, or with another record's magic word, reads as damaged, never as results.
 */
class ChecksummedRecordsTest {

	@TempDir
	Path dir;

	static BatchParts.Part part() {
		BatchParts.Entry e = new BatchParts.Entry("a.tif,1,cell,0.5", "cell \u00b7 saliency: A", new float[] { 1, 2, 3, 4, 5, 6 }, List.of("r1"), List.of(new byte[] { 7, 8, 9 }));
		return new BatchParts.Part(3, 6, 7, 3, 2, List.of(e));
	}

	@Test
	void aPartRoundTripsAndAnyChangedByteIsDamage() throws Exception {
		byte[] all = BatchParts.bytes(part());
		BatchParts.Part back = BatchParts.parse(all, dir.resolve("p"));
		assertEquals(List.of(3, 6, 7, 3, 2), List.of(back.index(), back.from(), back.to(), back.width(), back.height()));
		assertEquals("a.tif,1,cell,0.5", back.entries().get(0).csvLine());
		assertArrayEquals(new float[] { 1, 2, 3, 4, 5, 6 }, back.entries().get(0).map());
		assertArrayEquals(new byte[] { 7, 8, 9 }, back.entries().get(0).rois().get(0));
		for (int i = 0; i < all.length; i++) {
			byte[] changed = all.clone();
			changed[i] ^= 0x10;
			assertThrows(BatchParts.DamagedPart.class, () -> BatchParts.parse(changed, dir.resolve("p")), "byte " + i);
		}
	}

	@Test
	void aTileBatchRoundTripsAndAnyChangedByteOrAnotherRecordReadsAsMissing() throws Exception {
		byte[] all = BatchTiles.bytes(1, 8, 2, new float[] { 0.25f, -1f, 3f }, Map.of("k", "v"));
		Path f = dir.resolve("t.bin");
		Files.write(f, all);
		TileCheckpoint.Stored s = BatchTiles.read(f, 1, 8, 2);
		assertArrayEquals(new float[] { 0.25f, -1f, 3f }, s.values());
		assertEquals(Map.of("k", "v"), s.metadata());
		assertNull(BatchTiles.read(f, 1, 9, 2), "another batch");
		for (int i = 0; i < all.length; i++) {
			byte[] changed = all.clone();
			changed[i] ^= 0x10;
			Files.write(f, changed);
			assertNull(BatchTiles.read(f, 1, 8, 2), "byte " + i);
		}
		// a part's bytes, intact, are not a tile batch
		Files.write(f, BatchParts.bytes(part()));
		assertNull(BatchTiles.read(f, 1, 8, 2));
	}
}
