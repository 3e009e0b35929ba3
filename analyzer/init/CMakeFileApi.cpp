#include "init/CMakeFileApi.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>

namespace reach {

namespace {

std::optional<llvm::json::Value> readJson(const std::string &Path, std::string &Error) {
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf) {
    Error = Path + ": cannot read: " + Buf.getError().message();
    return std::nullopt;
  }
  llvm::Expected<llvm::json::Value> V = llvm::json::parse((*Buf)->getBuffer());
  if (!V) {
    Error = Path + ": malformed JSON: " + llvm::toString(V.takeError());
    return std::nullopt;
  }
  return std::move(*V);
}

/// The newest index-*.json of the reply folder ("" if none).
std::string newestIndex(const std::string &Reply) {
  std::error_code EC;
  std::string Newest;
  for (llvm::sys::fs::directory_iterator It(Reply, EC), End; It != End && !EC; It.increment(EC)) {
    llvm::StringRef Name = llvm::sys::path::filename(It->path());
    if (Name.starts_with("index-") && Name.ends_with(".json") && It->path() > Newest)
      Newest = It->path();
  }
  return Newest;
}

/// The text of every CTestTestfile.cmake under the build and of the files
/// they include (gtest_discover_tests writes the executable's path there).
std::string ctestText(const std::string &BuildDir) {
  std::string All;
  std::error_code EC;
  for (llvm::sys::fs::recursive_directory_iterator It(BuildDir, EC), End; It != End && !EC; It.increment(EC)) {
    llvm::StringRef Name = llvm::sys::path::filename(It->path());
    if (Name == "CTestTestfile.cmake" || Name.ends_with("_include.cmake") || Name.ends_with("_tests.cmake"))
      if (auto Buf = llvm::MemoryBuffer::getFile(It->path()))
        All += (*Buf)->getBuffer().str() + "\n";
  }
  return All;
}

std::string relativeTo(const std::string &Root, const std::string &SourceDir, llvm::StringRef Path) {
  llvm::SmallString<256> Abs(Path);
  if (!llvm::sys::path::is_absolute(Abs)) {
    Abs = SourceDir;
    llvm::sys::path::append(Abs, Path);
  }
  llvm::sys::path::remove_dots(Abs, true);
  llvm::StringRef R = Abs;
  return R.consume_front(Root + "/") ? R.str() : "";
}

} // namespace

std::string cmakeQueryPath(const std::string &BuildDir) { return BuildDir + "/.cmake/api/v1/query/codemodel-v2"; }

std::optional<std::vector<BuildTarget>> readCMakeTargets(const std::string &BuildDir, const std::string &Root,
                                                         std::string &Error) {
  std::string Reply = BuildDir + "/.cmake/api/v1/reply";
  std::string Index = newestIndex(Reply);
  if (Index.empty())
    return std::nullopt;
  std::optional<llvm::json::Value> I = readJson(Index, Error);
  if (!I)
    return std::nullopt;
  const llvm::json::Object *CodeModel = nullptr;
  if (const llvm::json::Object *R = I->getAsObject() ? I->getAsObject()->getObject("reply") : nullptr)
    CodeModel = R->getObject("codemodel-v2");
  std::optional<llvm::StringRef> CodeModelFile = CodeModel ? CodeModel->getString("jsonFile") : std::nullopt;
  if (!CodeModelFile) {
    Error = Index + ": no codemodel-v2 reply (was " + cmakeQueryPath(BuildDir) + " there at configure time?)";
    return std::nullopt;
  }
  std::optional<llvm::json::Value> CM = readJson(Reply + "/" + CodeModelFile->str(), Error);
  if (!CM)
    return std::nullopt;
  if (!CM->getAsObject()) {
    Error = Reply + "/" + CodeModelFile->str() + ": expected a JSON object";
    return std::nullopt;
  }
  const llvm::json::Object &Model = *CM->getAsObject();
  std::string SourceDir = Model.getObject("paths") ? Model.getObject("paths")->getString("source").value_or("").str() : "";
  std::string BuildAbs = Model.getObject("paths") ? Model.getObject("paths")->getString("build").value_or("").str() : "";
  const llvm::json::Array *Configs = Model.getArray("configurations");
  const llvm::json::Array *TargetList =
      Configs && !Configs->empty() && (*Configs)[0].getAsObject() ? (*Configs)[0].getAsObject()->getArray("targets")
                                                                  : nullptr;
  if (!TargetList) {
    Error = Reply + "/" + CodeModelFile->str() + ": no configurations";
    return std::nullopt;
  }
  std::string CTest = ctestText(BuildDir);
  std::vector<BuildTarget> Targets;
  for (const llvm::json::Value &T : *TargetList) {
    std::optional<llvm::StringRef> File = T.getAsObject() ? T.getAsObject()->getString("jsonFile") : std::nullopt;
    if (!File)
      continue;
    std::optional<llvm::json::Value> TV = readJson(Reply + "/" + File->str(), Error);
    if (!TV)
      return std::nullopt;
    if (!TV->getAsObject()) {
      Error = Reply + "/" + File->str() + ": expected a JSON object";
      return std::nullopt;
    }
    const llvm::json::Object &O = *TV->getAsObject();
    BuildTarget B;
    B.Name = O.getString("name").value_or("").str();
    B.Type = O.getString("type").value_or("").str();
    if (const llvm::json::Array *Sources = O.getArray("sources"))
      for (const llvm::json::Value &S : *Sources)
        if (const llvm::json::Object *SO = S.getAsObject())
          if (std::string Rel = relativeTo(Root, SourceDir, SO->getString("path").value_or("")); !Rel.empty())
            B.Sources.push_back(Rel);
    if (const llvm::json::Array *Artifacts = O.getArray("artifacts"))
      for (const llvm::json::Value &A : *Artifacts)
        if (const llvm::json::Object *AO = A.getAsObject()) {
          llvm::SmallString<256> P(BuildAbs);
          llvm::sys::path::append(P, AO->getString("path").value_or(""));
          B.IsTest |= B.Type == "EXECUTABLE" && CTest.find(P.str().str()) != std::string::npos;
        }
    Targets.push_back(std::move(B));
  }
  return Targets;
}

} // namespace reach
