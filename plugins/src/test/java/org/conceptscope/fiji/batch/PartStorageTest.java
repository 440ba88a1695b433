package org.conceptscope.fiji.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the batch runner stores parts whatever the planes' size, checked without allocating a large
 * plane: a plane of more than 2^29 pixels has more than 2^31 bytes of map (the int arithmetic of
 * {@code 4 * width * height} turned negative there: "capacity < 0" after every tile was computed); a
 * part file is streamed to disk and read back a chunk at a time, byte for byte the array form a
 * worker hands over; a part too large to hand over as one array is refused in one sentence; a file
 * system without locks is named as such.
 */
class PartStorageTest {

	@TempDir
	Path dir;

	@Test
	void aPlaneOfMoreThan2To29PixelsIsSizedInLongAndItsPartHeaderRoundTrips() throws Exception {
		int w = 30_000, h = 30_000; // 900 million pixels: 3.6 GB of map, beyond an int
		assertEquals(3_600_000_000L, BatchParts.planeBytes(w, h));
		assertEquals(7_200_000_000L, BatchParts.mapBytes(w, h, 2));
		// a part with no entries of such planes: its header and checksum, no plane allocated
		BatchParts.Part empty = new BatchParts.Part(0, 0, 0, w, h, List.of());
		byte[] bytes = BatchParts.bytes(empty);
		assertEquals(BatchParts.size(empty), bytes.length);
		BatchParts.Part back = BatchParts.parse(bytes, dir.resolve("p"));
		assertEquals(List.of(0, 0, 0, w, h), List.of(back.index(), back.from(), back.to(), back.width(), back.height()));
		BatchParts.write(dir, empty);
		assertEquals(List.of(w, h), List.of(BatchParts.read(BatchParts.file(dir, 0)).width(), BatchParts.read(BatchParts.file(dir, 0)).height()));
	}

	@Test
	void aStreamedPartFileIsTheArrayAWorkerHandsOverAndReadsBackEntryByEntry() throws Exception {
		int w = 150, h = 130; // more floats than one chunk of the stream, not a multiple of it
		float[] a = new float[w * h], b = new float[w * h];
		for (int i = 0; i < a.length; i++) {
			a[i] = (float) Math.sin(i * 0.01);
			b[i] = i % 7 == 0 ? Float.NaN : -i;
		}
		BatchParts.Part p = new BatchParts.Part(4, 8, 10, w, h, List.of(new BatchParts.Entry("x.tif,1,1,é", "x:1 \u00b7 saliency: é", a, "r; slice=1", new byte[] { 1, 2 }),
			new BatchParts.Entry("", "", b, List.of(), List.of())));
		BatchParts.write(dir, p);
		Path f = BatchParts.file(dir, 4);
		assertArrayEquals(BatchParts.bytes(p), Files.readAllBytes(f), "one format, streamed or in an array");
		assertEquals(BatchParts.size(p), Files.size(f));
		BatchParts.Part back = BatchParts.read(f);
		assertEquals("x.tif,1,1,é", back.entries().get(0).csvLine());
		assertEquals(List.of("x:1 \u00b7 saliency: é", ""), List.of(back.entries().get(0).label(), back.entries().get(1).label()),
			"the map labels kept, for a resume");
		assertArrayEquals(a, back.entries().get(0).map());
		assertArrayEquals(b, back.entries().get(1).map());
		assertEquals(List.of("r; slice=1"), back.entries().get(0).roiNames());
		assertEquals(8, BatchParts.readIfValid(dir, 4, 8, 10, w, h).from());
		assertEquals(null, BatchParts.readIfValid(dir, 4, 8, 10, w, h + 1), "another size: computed again");
		// cut short, or one byte changed deep in a map: damaged, never other results
		byte[] all = Files.readAllBytes(f);
		all[all.length / 2] ^= 1;
		Files.write(f, all);
		assertEquals(null, BatchParts.readIfValid(dir, 4, 8, 10, w, h));
		Files.write(f, java.util.Arrays.copyOf(all, all.length - 100));
		assertThrows(BatchParts.DamagedPart.class, () -> BatchParts.read(f));
	}

	@Test
	void aPartTooLargeToHandOverOrToBlendIsRefusedInOneSentence() {
		IllegalArgumentException oneSlice = assertThrows(IllegalArgumentException.class,
			() -> BatchMemory.checkHandedOver("slide.tif", 30_000, 30_000, 1));
		assertEquals("'slide.tif' is 30000 x 30000 pixels: a part of 1 slice holds 3.6 GB of maps, more than a task can hand back in one array"
			+ " (2 GB): run the batch runner on one machine (" + BatchLauncher.COMMAND + "), which streams its parts to disk, or export a"
			+ " smaller region of the image.", oneSlice.getMessage());
		IllegalArgumentException three = assertThrows(IllegalArgumentException.class,
			() -> BatchMemory.checkHandedOver("stack.tif", 16_000, 16_000, 3));
		assertTrue(three.getMessage().contains("a part of 3 slices holds 3.1 GB of maps") && three.getMessage().contains("set batch=1"),
			three.getMessage());
		BatchMemory.checkHandedOver("stack.tif", 16_000, 16_000, 1); // 1 GB: handed over
		// the maps of three such planes are more values than one array holds, whatever the heap: refused before the heap is asked
		IllegalArgumentException values = assertThrows(IllegalArgumentException.class, () -> BatchMemory.check("stack.tif",
			new BatchMemory.Shape(30_000, 30_000, 1, 0, true, false, false), 3, true));
		assertEquals("'stack.tif' is 30000 x 30000 pixels: the maps of a part of 3 slices of it hold more values than one array (2^31): give"
			+ " batch=2 or less.", values.getMessage());
	}

	@Test
	void aFileSystemWithoutLocksIsSaidToOfferNone() throws IOException {
		Path work = dir.resolve("save").resolve(BatchJob.WORK_DIR);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchJob.RunLock.take(work, ch -> {
			throw new IOException("No locks available");
		}));
		assertTrue(e.getMessage().startsWith("save_dir " + dir.resolve("save") + " is on a file system that offers no file locks (No locks available"
			+ " on "), e.getMessage());
		assertTrue(e.getMessage().endsWith("choose a save_dir on a local disk or on a file system with locks (NFS with its lock service, Lustre"
			+ " mounted with -o flock), and copy the results where you need them."), e.getMessage());
		assertFalse(e.getMessage().contains("disk has space"), "not a full disk: " + e.getMessage());
		try (BatchJob.RunLock lock = BatchJob.RunLock.take(work)) {
			IllegalArgumentException busy = assertThrows(IllegalArgumentException.class, () -> BatchJob.RunLock.take(work));
			assertTrue(busy.getMessage().startsWith("Another batch run is working in "), busy.getMessage());
		}
	}
}
