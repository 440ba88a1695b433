package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.scijava.ops.spi.OpCollection;
import org.scijava.ops.spi.OpMethod;

/** The SciJava Op declarations (concepts, metrics, heads, MACO) are consistent, discoverable, and run the same code as the classes. */
class AttributionOpsTest {

	static final List<Class<?>> COLLECTIONS = List.of(org.conceptscope.concepts.ConceptOps.class,
		org.conceptscope.metrics.MetricOps.class, org.conceptscope.verify.VerifyOps.class,
		org.conceptscope.mechanistic.MechanisticOps.class, org.conceptscope.heads.HeadOps.class,
		org.conceptscope.visualization.VisualizationOps.class);

	static List<Method> opMethods() {
		return COLLECTIONS.stream().flatMap(c -> Arrays.stream(c.getDeclaredMethods()))
			.filter(m -> m.isAnnotationPresent(OpMethod.class)).toList();
	}

	@Test
	void everyMethodIsANamedOpOfTheRightArity() {
		Set<String> names = new HashSet<>();
		for (Method m : opMethods()) {
			OpMethod op = m.getAnnotation(OpMethod.class);
			assertTrue(op.names().startsWith("explain."), op.names());
			assertTrue(names.add(op.names()), "duplicate op name " + op.names());
			assertTrue(Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers()), m.getName());
			Method sam = Arrays.stream(op.type().getMethods()).filter(x -> Modifier.isAbstract(x.getModifiers())).findFirst().orElseThrow();
			assertEquals(sam.getParameterCount(), m.getParameterCount(), op.names() + " arity vs " + op.type().getSimpleName());
			assertTrue(!op.description().isBlank(), op.names());
		}
	}

	@Test
	void collectionIsListedForServiceDiscovery() throws Exception {
		try (InputStream in = getClass().getResourceAsStream("/META-INF/services/" + OpCollection.class.getName())) {
			String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
			for (Class<?> c : COLLECTIONS) {
				assertTrue(OpCollection.class.isAssignableFrom(c), c.getName());
				assertTrue(text.lines().anyMatch(l -> l.trim().equals(c.getName())), c.getName() + " listed in " + text);
			}
		}
	}

	@Test
	void opsRunTheMethods() {
		try (TensorFlowClassifier model = TensorFlowClassifier.load(BundledModels.dir("known-answer"))) {
			FloatTensor x = FloatTensor.zeros(1, 32, 32, 1);
			for (int y = 20; y < 28; y++) for (int xx = 18; xx < 26; xx++) x.set(1f, 0, y, xx, 0);
			int[] t = { 1 };
			org.conceptscope.visualization.Maco.Result maco = org.conceptscope.visualization.VisualizationOps.maco(model, x, 1, 5, 9L);
			assertArrayEquals(new org.conceptscope.visualization.Maco(5, 0.05, 0.8, 9).visualize(model,
				org.conceptscope.visualization.Maco.magnitude(x), 1, Progress.NONE).image().data(), maco.image().data());
		}
	}
}
