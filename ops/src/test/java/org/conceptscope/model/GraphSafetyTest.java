package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.conceptscope.model.TestGraphs.Hiding;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.SavedModel;

/**
 * A SavedModel is code: hostile models built in Java (a WriteFile in the main graph, in a
 * function body, in a nested function, in an If branch, in the restore op) are refused before
 * TensorFlow runs anything, with a message that names the op and where it is; the file is never
 * written. The same models loaded as trusted do write it, which shows the threat is real.
 */
class GraphSafetyTest {

	@TempDir
	Path tmp;

	static void assertMessage(Throwable t, String... parts) {
		for (String p : parts) assertTrue(t.getMessage().contains(p), "message '" + t.getMessage() + "' lacks '" + p + "'");
	}

	private LoadOptions options() throws Exception {
		return LoadOptions.defaults().withTrustModel(false).withWorkDir(Files.createDirectories(tmp.resolve("work")));
	}

	private void assertWorkDirEmpty() throws Exception {
		try (var s = Files.list(tmp.resolve("work"))) {
			assertEquals(List.of(), s.toList(), "no temporary files are left");
		}
	}

	@ParameterizedTest
	@EnumSource(value = Hiding.class, names = "UNREACHABLE", mode = EnumSource.Mode.EXCLUDE)
	void writeFileIsRefusedBeforeAnyOpRuns(Hiding hiding) throws Exception {
		Path model = tmp.resolve("model"), target = tmp.resolve("pwned.txt");
		TestGraphs.writeFileModel(model, target, hiding);
		var e = assertThrows(UnsafeModelException.class, () -> TensorFlowClassifier.load(model, options()));
		assertEquals("WriteFile", e.opType());
		assertEquals("write_it", e.node());
		assertMessage(e, "'WriteFile'", "writes files", "node 'write_it'", "LoadOptions.trusted()", "-Dconceptscope.trustModel=true");
		switch (hiding) {
			case MAIN_GRAPH -> {
				assertNull(e.function());
				assertMessage(e, "reached from signature 'serving_default'");
			}
			case FUNCTION, IF_BRANCH -> assertMessage(e, "in function '__inference_evil");
			case NESTED_FUNCTION -> assertMessage(e, "in function '__inference_evil", "signature 'serving_default'");
			case RESTORE_OP -> assertMessage(e, "the restore op (it runs when the model loads)");
			default -> throw new AssertionError();
		}
		assertFalse(Files.exists(target), "refused before TensorFlow ran anything");
		assertWorkDirEmpty();
	}

	@ParameterizedTest
	@EnumSource(value = Hiding.class, names = { "MAIN_GRAPH", "FUNCTION", "NESTED_FUNCTION", "IF_BRANCH", "RESTORE_OP" })
	void theHostileModelsAreRealWhenTrusted(Hiding hiding) throws Exception {
		Path model = tmp.resolve("model"), target = tmp.resolve("pwned.txt");
		TestGraphs.writeFileModel(model, target, hiding);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(model, options().withTrustModel(true))) {
			if (hiding == Hiding.RESTORE_OP) assertTrue(Files.exists(target), "the restore op ran while loading");
			FloatTensor logits = m.logits(new FloatTensor(new long[] { 1, 2, 2, 1 }, new float[] { 1, 2, 3, 4 }));
			assertArrayEquals(new float[] { 2, 4, 6, 8 }, logits.data(), 0f);
		}
		assertEquals("pwned", Files.readString(target), "a trusted hostile model does write the file");
		assertWorkDirEmpty();
	}

	@Test
	void unreachableOpsOfATrainingGraphAreTolerated() throws Exception {
		Path model = tmp.resolve("model"), target = tmp.resolve("pwned.txt");
		TestGraphs.writeFileModel(model, target, Hiding.UNREACHABLE);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(model, options())) {
			assertArrayEquals(new float[] { 2, 2, 2, 2 }, m.logits(new FloatTensor(new long[] { 1, 2, 2, 1 }, new float[] { 1, 1, 1, 1 })).data(), 0f);
		}
		assertFalse(Files.exists(target), "a WriteFile that nothing runs never runs");
	}

	@Test
	void trustPropertyIsTheDocumentedOverride() {
		String old = System.getProperty(LoadOptions.TRUST_PROPERTY);
		try {
			System.setProperty(LoadOptions.TRUST_PROPERTY, "true");
			assertTrue(LoadOptions.defaults().trustModel());
			System.setProperty(LoadOptions.TRUST_PROPERTY, "false");
			assertFalse(LoadOptions.defaults().trustModel());
			assertTrue(LoadOptions.trusted().trustModel());
		} finally {
			if (old == null) System.clearProperty(LoadOptions.TRUST_PROPERTY);
			else System.setProperty(LoadOptions.TRUST_PROPERTY, old);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "ReadFile", "PrintV2", "PyFunc", "EagerPyFunc", "TFRecordDataset", "MatchingFiles", "SaveV2",
		"ApplyAdam", "ImmutableConst", "ShellExecute" })
	void reachableNonComputeOpsAreRefusedByName(String op) throws Exception {
		Path model = TestGraphs.ihcWithOp(tmp.resolve("m"), op);
		var e = assertThrows(UnsafeModelException.class, () -> TensorFlowClassifier.load(model, options()));
		assertEquals(op, e.opType());
		assertMessage(e, "'" + op + "'", "node 'sneaky'", "signature 'serving_default'");
		assertWorkDirEmpty();
	}

	@Test
	void restoreV2IsAllowedOnlyForTheModelsOwnCheckpoint() throws Exception {
		// a RestoreV2 the signature runs: it would read any checkpoint at prediction time
		Path fromSignature = TestGraphs.editedCopy(BundledModels.dir("ihc-stain"), tmp.resolve("a"), meta -> TestGraphs.addControlNode(meta,
			"probabilities", NodeDef.newBuilder().setName("peek").setOp("RestoreV2").addInput("save/filename").addInput("save/Const")
				.addInput("save/ZerosLike").build()));
		var e = assertThrows(UnsafeModelException.class, () -> TensorFlowClassifier.load(fromSignature, options()));
		assertMessage(e, "'RestoreV2'", "node 'peek'", "reads checkpoint files");
		// the restore op reading a path written into the graph instead of the SavedModel's own variables
		Path constPrefix = TestGraphs.editedCopy(BundledModels.dir("ihc-stain"), tmp.resolve("b"), meta -> {
			var g = meta.getGraphDefBuilder();
			g.addNode(NodeDef.newBuilder().setName("elsewhere").setOp("Const")
				.putAttr("dtype", AttrValue.newBuilder().setType(org.tensorflow.proto.DataType.DT_STRING).build()));
			for (NodeDef.Builder n : g.getNodeBuilderList()) if (n.getName().equals("save/Restore")) n.setInput(0, "elsewhere");
		});
		e = assertThrows(UnsafeModelException.class, () -> TensorFlowClassifier.load(constPrefix, options()));
		assertMessage(e, "'RestoreV2'", "node 'save/Restore'", "path is written into the graph", "the restore op");
	}

	@Test
	void callsOfUndefinedFunctionsAreRefused() throws Exception {
		Path model = TestGraphs.editedCopy(BundledModels.dir("ihc-stain"), tmp.resolve("m"), meta -> TestGraphs.addControlNode(meta,
			"probabilities", NodeDef.newBuilder().setName("call").setOp("StatefulPartitionedCall").addInput("input")
				.putAttr("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName("__inference_missing")).build()).build()));
		var e = assertThrows(UnsafeModelException.class, () -> TensorFlowClassifier.load(model, options()));
		assertMessage(e, "'__inference_missing'", "does not define");
	}

	@Test
	void bundledAndKerasStyleModelsPass() throws Exception {
		for (String name : List.of("ihc-stain", "ct-tissue", "known-answer")) {
			Path dir = BundledModels.dir(name);
			GraphSafety.check(SavedModelFiles.check(dir).metaGraph(), dir, List.of());
		}
		// restore through a function (RestoreV2 fed by its file_prefix argument); SaveV2 in a save function nothing runs
		Path keras = tmp.resolve("keras");
		TestGraphs.kerasStyle(keras, 1, 8);
		SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(keras.resolve("saved_model.pb")));
		assertTrue(GraphSafety.reachableOpTypes(saved.getMetaGraphs(0)).containsAll(Set.of("SaveV2", "RestoreV2", "AssignVariableOp")));
		long t0 = System.nanoTime();
		GraphSafety.check(saved.getMetaGraphs(0), keras, List.of());
		assertTrue(System.nanoTime() - t0 < 500_000_000L, "the check is cheap");
	}

	@Test
	void allowListNamesRegisteredComputeOpsOnly() {
		TensorFlowEngine.start();
		Set<String> registered = new TreeSet<>(), stateful = new TreeSet<>();
		for (OpDef d : TensorFlow.registeredOpList().getOpList()) {
			registered.add(d.getName());
			if (d.getIsStateful()) stateful.add(d.getName());
		}
		Set<String> unknown = new TreeSet<>(GraphSafety.COMPUTE_OPS);
		unknown.removeAll(registered);
		assertEquals(Set.of(), unknown, "every allowed op is a TensorFlow op");
		Set<String> allowedStateful = new TreeSet<>(GraphSafety.COMPUTE_OPS);
		allowedStateful.retainAll(stateful);
		// the stateful ops allowed: control flow, calls, variables (read), random numbers, assertions
		assertEquals(Set.of("Assert", "Case", "CheckNumerics", "CheckNumericsV2", "GuaranteeConst", "If", "RandomShuffle",
			"RandomStandardNormal", "RandomUniform", "RandomUniformInt", "StatefulPartitionedCall", "TruncatedNormal", "VarHandleOp",
			"VarIsInitializedOp", "Variable", "VariableV2", "While", "ReadVariableOp", "StatelessRandomGetAlg"), allowedStateful);
		for (String op : List.of("WriteFile", "ReadFile", "SaveV2", "RestoreV2", "PrintV2", "Print", "PyFunc", "MatchingFiles",
			"MergeV2Checkpoints", "AssignVariableOp", "Assign", "ImmutableConst", "TFRecordDataset", "DebugIdentityV2")) {
			assertFalse(GraphSafety.COMPUTE_OPS.contains(op), op);
		}
	}
}
