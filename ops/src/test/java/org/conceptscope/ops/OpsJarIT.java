package org.conceptscope.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.JarURLConnection;
import java.net.URL;
import java.util.List;
import java.util.jar.JarFile;

import net.imglib2.RandomAccess;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.junit.jupiter.api.Test;

/**
 * Runs against the packaged conceptscope-ops jar (failsafe puts the jar, not the class folder, on
 * the class path): the jar carries ops.yaml at its root, where an engine looks for it, every
 * entry resolves to a method of a class loaded from that jar, and an op called through it works.
 */
class OpsJarIT {

	@Test
	void theJarCarriesTheIndexAndItsOpsRun() throws Exception {
		URL url = getClass().getClassLoader().getResource(OpIndex.RESOURCE);
		assertNotNull(url, "ops.yaml on the class path");
		assertEquals("jar", url.getProtocol(), "ops.yaml comes from the packaged jar: " + url);
		JarURLConnection connection = (JarURLConnection) url.openConnection();
		connection.setUseCaches(false);
		try (JarFile jar = connection.getJarFile()) {
			assertTrue(jar.getName().matches(".*conceptscope-ops-[^/]*\\.jar"), jar.getName());
			assertNotNull(jar.getJarEntry("ops.yaml"), "ops.yaml at the root of " + jar.getName());
		}
		List<OpIndex.Op> ops = OpIndex.read(url);
		assertTrue(ops.size() >= 19, ops.size() + " ops");
		for (OpIndex.Op op : ops) {
			String where = op.method().getDeclaringClass().getProtectionDomain().getCodeSource().getLocation().getPath();
			assertTrue(where.endsWith(".jar"), op.name() + " resolves to a class loaded from " + where);
		}
		OpIndex.Op open = ops.stream().filter(o -> o.name().equals("explain.model.open")).findFirst().orElseThrow();
		OpIndex.Op saliency = ops.stream().filter(o -> o.name().equals("explain.attribution.saliency")).findFirst().orElseThrow();
		try (Classifier model = (Classifier) open.call(BundledModels.dir("known-answer").toFile())) {
			@SuppressWarnings("unchecked")
			RandomAccessibleInterval<FloatType> map = (RandomAccessibleInterval<FloatType>) saliency.call(model,
				AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 1, 7));
			// Saliency of logit 1 (predicted for this image) is exactly the indicator of R_1
			RandomAccess<FloatType> ra = map.randomAccess();
			for (int y = 0; y < 32; y++) {
				for (int x = 0; x < 32; x++) {
					boolean r1 = x >= 18 && x < 26 && y >= 20 && y < 28;
					assertEquals(r1 ? 1 : 0, ra.setPositionAndGet(x, y).get(), 1e-6, "at " + x + "," + y);
				}
			}
		}
	}
}
