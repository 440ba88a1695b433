package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * InfoDisent's count of one image's evaluation, for Explain with Head's memory check, against the bytes that evaluation
 * allocates (measured by the JVM for this thread): at least those, and not far above. The interface's default (a few
 * channels x classes matrices) was below them here: it left out the copy of the image's feature map.
 */
class InfoDisentWorkBytesTest {

	@Test
	void oneImagesWorkIsCountedAtLeastAsAllocated() {
		int n = 4, h = 8, w = 8, c = 64;
		Random r = new Random(5);
		FloatTensor f = FloatTensor.zeros(n, h, w, c);
		for (int i = 0; i < f.size(); i++) f.data()[i] = r.nextFloat();
		InfoDisent head = InfoDisent.train(f, "features", new int[] { 0, 1, 0, 1 }, 2, new TrainingOptions(1, 4, 1e-7, 1), Progress.NONE);
		com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
		long thread = Thread.currentThread().getId();
		head.parts(f, 1, 0); // warm: classes loaded, code compiled
		long least = Long.MAX_VALUE;
		for (int k = 0; k < 5; k++) {
			long before = bean.getThreadAllocatedBytes(thread);
			head.parts(f, 1, 0);
			least = Math.min(least, bean.getThreadAllocatedBytes(thread) - before);
		}
		long counted = head.imageWorkBytes(), byDefault = 8L * 4 * c * 2;
		assertTrue(least <= counted && counted < 3 * least, "allocated " + least + " bytes, counted " + counted);
		assertTrue(byDefault < least, "the default count " + byDefault + " is below the " + least + " allocated");
	}
}
