package org.conceptscope.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.net.URL;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.conceptscope.registry.Family;
import org.conceptscope.registry.Registry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ops index that the SciJava Ops indexer wrote at compile time: every entry names a public
 * static method that exists with the declared parameters, and the index says of each parameter
 * what the method has (name, generic type, order), so an engine reading the index calls the
 * method it means.
 */
class OpsIndexTest {

	static List<OpIndex.Op> ops;

	@BeforeAll
	static void read() throws Exception {
		List<URL> urls = Collections.list(OpsIndexTest.class.getClassLoader().getResources(OpIndex.RESOURCE));
		assertEquals(1, urls.size(), "one ops.yaml on the class path: " + urls);
		ops = OpIndex.read(urls.get(0));
	}

	@Test
	void everyOpNamesAMethodWithTheDeclaredSignature() {
		Set<String> names = new HashSet<>();
		for (OpIndex.Op op : ops) {
			assertFalse(op.names().isEmpty(), op.source());
			for (String n : op.names()) {
				assertTrue(n.matches("explain\\.[a-z]+(\\.[a-z_]+)+"), "op name in the explain namespace, lower case: " + n);
				assertTrue(names.add(n), "op name used twice: " + n);
			}
			Method m = op.method();
			assertTrue(Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers()), op.name() + ": public static");
			assertEquals("org.conceptscope.ops", m.getDeclaringClass().getPackageName(), op.name());
			assertFalse(op.description().isBlank(), op.name() + " has a description");
			Parameter[] p = m.getParameters();
			assertEquals(p.length, op.params().size(), op.name() + ": one indexed input per Java parameter (a quote in a @param line hides it)");
			boolean nullableSeen = false;
			for (int i = 0; i < p.length; i++) {
				OpIndex.Param q = op.params().get(i);
				assertTrue(p[i].isNamePresent(), "compiled with -parameters");
				assertEquals(p[i].getName(), q.name(), op.name() + " input " + i);
				// the index writes type arguments without the space after the comma that reflection puts
				assertEquals(p[i].getParameterizedType().getTypeName().replace('$', '.').replace(", ", ","), q.type(), op.name() + " input " + q.name());
				assertEquals("INPUT", q.ioType(), op.name() + " input " + q.name());
				assertFalse(p[i].getType().isPrimitive(), op.name() + " " + q.name() + ": boxed types, so that null means the default");
				assertTrue(q.description().length() > 10, op.name() + " " + q.name() + " is described");
				// the engine fills left-out nullable inputs from the end: they must be the last ones
				if (nullableSeen) assertTrue(q.nullable(), op.name() + ": required input " + q.name() + " after a nullable one");
				nullableSeen |= q.nullable();
			}
			assertNotNull(op.output(), op.name() + " has an output");
			assertEquals(m.getGenericReturnType().getTypeName().replace('$', '.'), op.output().type(), op.name() + " output");
		}
	}

	/** Every method family is there (the attribution methods are checked against the command in plugins). */
	@Test
	void everyFamilyHasItsOps() {
		Set<String> names = new HashSet<>();
		ops.forEach(o -> names.addAll(o.names()));
		for (String n : List.of("explain.model.open", "explain.attribution.eva", "explain.concepts.craft", "explain.concepts.importance",
			"explain.concepts.localize", "explain.metrics.deletion", "explain.metrics.insertion", "explain.metrics.mufidelity",
			"explain.metrics.sanity", "explain.metrics.stability", "explain.metrics.random_logit", "explain.metrics.mege_reco",
			"explain.mechanistic.srd", "explain.mechanistic.erf", "explain.mechanistic.concept_erfs", "explain.mechanistic.pfv_concepts", "explain.mechanistic.gig", "explain.mechanistic.concept_graph", "explain.mechanistic.concept_graph_dataset",
			"explain.heads.infodisent", "explain.heads.bi_ice", "explain.heads.contributions", "explain.heads.unit_maps",
			"explain.visualization.maco", "explain.visualization.maco_reference", "explain.verify.margin_bounds", "explain.tcav.test", "explain.tcav.score", "explain.examples.nearest",
			"explain.examples.prototypes")) {
			assertTrue(names.contains(n), n + " missing from " + names);
		}
	}

	/**
	 * Op names come from the method registry: every registered attribution method is an op named
	 * after its key (and FORGrad, a filter of the registry, is one more); every registered head is an
	 * op; every registered metric is an op (those that explain with a method themselves take its key); the concept importance op takes the
	 * registered estimators.
	 */
	@Test
	void everyRegistryMethodHasItsOp() {
		Set<String> names = new HashSet<>();
		ops.forEach(o -> names.addAll(o.names()));
		Set<String> attributionOps = new HashSet<>();
		for (String n : names) if (n.startsWith("explain.attribution.")) attributionOps.add(n.substring("explain.attribution.".length()));
		Set<String> expected = new HashSet<>(Registry.keys(Family.ATTRIBUTION));
		expected.add("forgrad");
		assertEquals(expected, attributionOps, "attribution ops = registry keys + forgrad");
		for (String head : Registry.keys(Family.HEAD)) assertTrue(names.contains("explain.heads." + head), head);
		for (String metric : Registry.keys(Family.METRIC)) assertTrue(names.contains("explain.metrics." + metric), metric);
		OpIndex.Op importance = ops.stream().filter(o -> o.name().equals("explain.concepts.importance")).findFirst().orElseThrow();
		String described = importance.params().stream().filter(p -> p.name().equals("estimator")).findFirst().orElseThrow().description();
		for (String e : Registry.keys(Family.CONCEPT_ESTIMATOR)) assertTrue(described.contains(e), "estimator " + e + " in " + described);
	}

	@Test
	void everyAttributionMapOpTakesModelImageTargetAndReturnsFloatMaps() {
		List<OpIndex.Op> attribution = ops.stream().filter(o -> o.name().startsWith("explain.attribution.")).toList();
		assertTrue(attribution.size() >= 18, "attribution ops: " + attribution.size());
		for (OpIndex.Op op : attribution) {
			assertEquals(List.of("model", "image", "target"), op.params().subList(0, 3).stream().map(OpIndex.Param::name).toList(), op.name());
			assertEquals("net.imglib2.RandomAccessibleInterval<T>", op.params().get(1).type(), op.name());
			assertTrue(op.params().get(2).nullable(), op.name() + ": target may be left out (predicted class)");
			assertEquals("net.imglib2.RandomAccessibleInterval<net.imglib2.type.numeric.real.FloatType>", op.output().type(), op.name());
		}
	}
}
