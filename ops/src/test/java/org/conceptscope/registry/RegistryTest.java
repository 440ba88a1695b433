package org.conceptscope.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.ForGrad;
import org.conceptscope.concepts.ConceptEstimator;
import org.conceptscope.heads.HeadTrainer;
import org.conceptscope.metrics.Metric;
import org.junit.jupiter.api.Test;

class RegistryTest {

	@Test
	void keysAreUniqueWithinEachFamilyAndSnakeCase() {
		for (Family f : Family.values()) {
			List<String> keys = new ArrayList<>();
			for (MethodEntry e : Registry.all()) if (e.family() == f) keys.add(e.key());
			assertEquals(keys.size(), new HashSet<>(keys).size(), f + " keys " + keys);
			assertEquals(keys, Registry.keys(f));
			assertFalse(keys.isEmpty(), f.toString());
			for (String k : keys) assertTrue(k.matches("[a-z][a-z0-9_]*"), k);
		}
	}

	/**
	 * Each paper a method credits is the one its docs page cites: the first author and year of every
	 * reference stand together in docs/methods or docs/metrics (a wrong credit once named another paper's authors).
	 */
	@Test
	void everyCreditedPaperIsTheOneTheMethodPagesCite() throws java.io.IOException {
		java.nio.file.Path here = java.nio.file.Path.of("").toAbsolutePath();
		java.nio.file.Path docs = (java.nio.file.Files.isDirectory(here.resolve("docs")) ? here : here.getParent()).resolve("docs");
		StringBuilder pages = new StringBuilder();
		for (String folder : List.of("methods", "metrics")) {
			try (var files = java.nio.file.Files.list(docs.resolve(folder))) {
				for (java.nio.file.Path f : files.sorted().toList()) pages.append(java.nio.file.Files.readString(f).replace('\n', ' ')).append(' ');
			}
		}
		List<String> missing = new ArrayList<>();
		for (MethodEntry e : Registry.all()) {
			for (String paper : e.reference().split(";")) {
				java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*(\\p{L}+).*?((?:19|20)\\d\\d)").matcher(paper);
				if (!m.find()) {
					if (!paper.isBlank()) missing.add(e.key() + ": '" + paper + "' names no author and year");
					continue;
				}
				String near = java.util.regex.Pattern.quote(m.group(1)) + ".{0,160}?" + m.group(2);
				if (!java.util.regex.Pattern.compile(near).matcher(pages).find()) missing.add(e.key() + ": " + paper.trim());
			}
		}
		assertEquals(List.of(), missing, "credited in the registry, but no page of docs/methods or docs/metrics cites that author with that year");
	}

	@Test
	void everyFamilyOffersTheMethodsOfTheDesign() {
		assertTrue(Registry.keys(Family.ATTRIBUTION).containsAll(List.of("saliency", "gradient_x_input", "integrated_gradients",
			"smoothgrad", "vargrad", "squaregrad", "gradcam", "gradcam_plus_plus", "occlusion", "rise", "sobol", "hsic", "eva", "lime",
			"kernel_shap", "guided_backprop", "deconvnet")));
		assertEquals(List.of("deletion", "insertion", "mufidelity", "sanity", "stability", "mege_reco", "average_drop",
			"increase_in_confidence", "random_logit", "complexity", "sparseness"), Registry.keys(Family.METRIC));
		assertEquals(List.of("sobol", "gradient", "deletion"), Registry.keys(Family.CONCEPT_ESTIMATOR));
		assertEquals(List.of("infodisent", "bi_ice"), Registry.keys(Family.HEAD));
	}

	/** Each parameter names only registered methods, and each entry's keys are exactly those declared for it. */
	@Test
	void parametersAreDeclaredOnceAndNameRegisteredMethods() {
		for (Family f : Family.values()) {
			Parameters ps = Registry.parameters(f);
			assertEquals(ps.keys().size(), new HashSet<>(ps.keys()).size());
			for (Parameter p : ps.list()) {
				assertFalse(p.methods().isEmpty(), p.key() + " names no method");
				for (String m : p.methods()) assertTrue(Registry.has(f, m), p.key() + " names unknown " + f.label() + " " + m);
				assertFalse(p.help().isBlank(), p.key() + " has no help");
				assertTrue(p.problem(p.defaultValue()).isEmpty(), p.key() + " default refused: " + p.problem(p.defaultValue()));
			}
			for (MethodEntry e : Registry.of(f)) {
				for (String k : e.parameters()) assertTrue(ps.get(k).methods().contains(e.key()), e.key() + " " + k);
				for (String k : e.defaults().keySet()) assertTrue(e.parameters().contains(k), e.key() + " default for undeclared " + k);
			}
		}
		assertThrows(IllegalArgumentException.class, () -> Parameters.of(Parameter.integer("a", "A", 1), Parameter.flag("a", "A", true)));
	}

	@Test
	void everyAttributionMethodIsBuiltFromDefaultsAndCarriesItsKey() {
		for (MethodEntry e : Registry.of(Family.ATTRIBUTION)) {
			AttributionMethod m = Registry.attribution(e.key(), Map.of());
			assertEquals(e.key(), m.name());
			assertInstanceOf(e.type(), m);
		}
		AttributionMethod filtered = Registry.attribution("saliency", Map.of("forgrad", true, "forgrad_bandwidth", 3));
		assertInstanceOf(ForGrad.class, filtered);
		assertEquals("saliency_forgrad", filtered.name());
		// the flag is not a parameter of perturbation methods, so it leaves them alone
		assertFalse(Registry.get(Family.ATTRIBUTION, "rise").parameters().contains("forgrad"));
		assertEquals("rise", Registry.attribution("rise", Map.of("forgrad", true)).name());
	}

	@Test
	void methodParametersAreTheOnesTheMethodReads() {
		assertEquals(List.of("steps", "baseline", "forgrad", "forgrad_bandwidth"), Registry.get(Family.ATTRIBUTION, "integrated_gradients").parameters());
		assertEquals(List.of("grid", "designs", "seed", "blur_sigma", "per_channel", "upsampling").stream().sorted().toList(),
			Registry.get(Family.ATTRIBUTION, "sobol").parameters().stream().sorted().toList());
		assertEquals(Set.of("grid", "epsilon", "bounds"), Set.copyOf(Registry.get(Family.ATTRIBUTION, "eva").parameters()));
		assertEquals(Set.of("samples", "seed", "grid", "blur_sigma", "segments", "superpixels", "efficiency"),
			Set.copyOf(Registry.get(Family.ATTRIBUTION, "kernel_shap").parameters()));
		assertFalse(Registry.get(Family.ATTRIBUTION, "lime").parameters().contains("efficiency"), "LIME claims no efficiency");
		assertEquals(List.of("forgrad", "forgrad_bandwidth"), Registry.get(Family.ATTRIBUTION, "deconvnet").parameters());
		assertEquals(List.of(), Registry.get(Family.ATTRIBUTION, "occlusion").parameters().stream().filter(k -> k.startsWith("forgrad")).toList());
		assertEquals(50, Registry.get(Family.ATTRIBUTION, "smoothgrad").defaults().get("samples"));
	}

	@Test
	void metricsEstimatorsAndHeadsAreBuiltWithTheirKeys() {
		for (MethodEntry e : Registry.of(Family.METRIC)) {
			if (!e.creatable()) {
				assertEquals("mege_reco", e.key());
				assertThrows(IllegalArgumentException.class, () -> Registry.metric(e.key(), Map.of()));
				continue;
			}
			Metric m = Registry.metric(e.key(), Map.of());
			assertEquals(e.key(), m.name());
			assertInstanceOf(e.type(), m);
		}
		for (String k : Registry.keys(Family.CONCEPT_ESTIMATOR)) {
			ConceptEstimator c = Registry.conceptEstimator(k, Map.of());
			assertEquals(k, c.name());
			assertEquals(k.equals("gradient"), c.needsGradients());
		}
		for (String k : Registry.keys(Family.HEAD)) assertInstanceOf(HeadTrainer.class, Registry.head(k, Map.of()));
	}

	@Test
	void unknownKeysNameTheChoices() {
		IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> Registry.get(Family.METRIC, "auc"));
		assertTrue(x.getMessage().contains("deletion, insertion"), x.getMessage());
		assertTrue(x.getMessage().startsWith("Unknown metric 'auc'"), x.getMessage());
	}

	@Test
	void validationListsEveryProblemAtOnce() {
		Parameters ps = Registry.ATTRIBUTION_PARAMETERS;
		List<String> problems = new ArrayList<>();
		Values v = ps.parse(Map.of("keep_probability", "0", "designs", "1", "per_channel", "maybe", "steps", "2.5", "colour", "red"), problems);
		assertEquals(3, problems.size(), problems.toString()); // per_channel, steps: not parsed; colour: unknown
		assertTrue(problems.stream().anyMatch(p -> p.startsWith("Unknown key 'colour'")), problems.toString());
		problems.addAll(ps.problems(v, null));
		assertTrue(problems.contains("keep_probability must be a number in (0, 1], got 0."), problems.toString());
		assertTrue(problems.contains("designs must be a whole number at least 2, got 1."), problems.toString());
		assertEquals(5, problems.size(), problems.toString());
		// only the chosen method's parameters are checked
		assertEquals(List.of(), ps.problems(v, "saliency"));
		IllegalArgumentException all = assertThrows(IllegalArgumentException.class, () -> Parameters.fail(ps.problems(v, null)));
		assertTrue(all.getMessage().startsWith("2 problems:"), all.getMessage());
	}

	@Test
	void textIsParsedByType() {
		Parameters ps = Registry.ATTRIBUTION_PARAMETERS;
		assertEquals(32, ps.get("steps").parse("32.0"));
		assertEquals(42L, ps.get("seed").parse(" 42 "));
		assertEquals(0.5, ps.get("keep_probability").parse("0.5"));
		assertEquals(Boolean.TRUE, ps.get("per_channel").parse(""));
		assertEquals("crown", ps.get("bounds").parse("CROWN"));
		assertEquals(java.nio.file.Path.of("/a]b/c d"), Parameter.folder("save_dir", "Save").parse("/a]b/c d"));
		assertEquals(null, Parameter.folder("save_dir", "Save").parse(" "));
		assertThrows(IllegalArgumentException.class, () -> ps.get("steps").parse("99999999999"));
	}

	@Test
	void rangesSayWhatTheyHold() {
		assertTrue(Range.aboveUpTo(0, 1).contains(1));
		assertFalse(Range.aboveUpTo(0, 1).contains(0));
		assertFalse(Range.atLeast(0).contains(Double.NaN));
		assertEquals("in (0, 1]", Range.aboveUpTo(0, 1).describe());
		assertEquals("at least 2", Range.atLeast(2).describe());
		assertEquals("above 0", Range.above(0).describe());
	}

	private static void refused(String message, org.junit.jupiter.api.function.Executable build) {
		assertEquals(message, assertThrows(IllegalArgumentException.class, build).getMessage());
	}

	/**
	 * Every way to build a method from values checks them against the declarations, as the commands
	 * check their macro options: a script calling the registry (or an op) gets the same sentence.
	 */
	@Test
	void buildingAMethodChecksItsValues() {
		refused("blur_sigma must be a number at least 0, got -1.", () -> Registry.attribution("sobol", Map.of("blur_sigma", -1.0)));
		refused("blur_sigma must be a number at least 0, got NaN.", () -> Registry.attribution("hsic", Map.of("blur_sigma", Double.NaN)));
		refused("samples must be a whole number at least 0, got -5.", () -> Registry.attribution("rise", Map.of("samples", -5)));
		refused("designs must be a whole number at least 2, got 1.", () -> Registry.attribution("sobol", Map.of("designs", 1)));
		refused("Unknown upsampling 'cubic': use one of bilinear, bicubic, nearest.", () -> Registry.attribution("hsic", Map.of("upsampling", "cubic")));
		refused("Unknown distance 'l3': use one of l2, l1.", () -> Registry.metric("stability", Map.of("distance", "l3")));
		refused("steps must be a whole number at least 1, got 0.", () -> Registry.metric("deletion", Map.of("steps", 0)));
		refused("samples must be a whole number at least 2, got 1.", () -> Registry.metric("mufidelity", Map.of("samples", 1)));
		refused("designs must be a whole number at least 2, got 1.", () -> Registry.conceptEstimator("sobol", Map.of("designs", 1)));
		refused("concepts must be a whole number at least 2, got 1.", () -> Registry.head("bi_ice", Map.of("concepts", 1)));
		refused("sparsity must be a number at least 0, got -1.", () -> Registry.head("bi_ice", Map.of("sparsity", -1.0)));
		// a value of a parameter the method does not use is not its business
		assertEquals("saliency", Registry.attribution("saliency", Map.of("designs", 1)).name());
		// numbers of another Java type convert when nothing is lost; others are named
		assertEquals("sobol", Registry.attribution("sobol", Map.of("blur_sigma", 1, "seed", 3, "grid", 4.0)).name());
		refused("grid must be a whole number at least 1, got '4.5'.", () -> Registry.attribution("sobol", Map.of("grid", 4.5)));
	}

	@Test
	void aDecimalCommaIsRefusedSayingToUseAPoint() {
		refused("noise must be a number at least 0, got '0,15': write decimals with a point, as in 0.15.",
			() -> Registry.ATTRIBUTION_PARAMETERS.get("noise").parse("0,15"));
		refused("steps must be a whole number at least 1, got '1,000'.", () -> Registry.ATTRIBUTION_PARAMETERS.get("steps").parse("1,000"));
	}
}
