// sdkgen writes this package's Python and Go SDKs from the plugin's schema with Pulumi's own code
// generators, as Pulumi providers ship theirs. Usage: sdkgen <schema.json> <out dir>; it writes
// <out>/python and <out>/go. `npm run sdk` runs it over the checked-in schema into sdk/.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "pulumi-astro-invites sdkgen"

// The SDKs' names: the Python distribution and module, and the Go import path (a module of this
// repository's sdk/go directory).
var languages = map[string]any{
	"python": map[string]any{"packageName": "pulumi_astro_invites"},
	"go":     map[string]any{"importBasePath": "pulumi-astro-invites/sdk/go/astro", "generateResourceContainerTypes": false},
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: sdkgen <schema.json> <out dir>")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen: %v\n", err)
		os.Exit(1)
	}
}

func run(schemaPath, out string) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	spec.Language = map[string]schema.RawMessage{}
	for name, info := range languages {
		encoded, err := json.Marshal(info)
		if err != nil {
			return err
		}
		spec.Language[name] = encoded
	}
	pkg, diags, err := schema.BindSpec(spec, noOtherPackages{}, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return diags
	}
	python, err := pygen.GeneratePackage(tool, pkg, nil, nil)
	if err != nil {
		return fmt.Errorf("python: %w", err)
	}
	golang, err := gogen.GeneratePackage(tool, pkg, nil)
	if err != nil {
		return fmt.Errorf("go: %w", err)
	}
	// The Go SDK is a module of its own, which a Go program requires (or replaces with a path).
	golang["go.mod"] = []byte("module pulumi-astro-invites/sdk/go\n\ngo 1.26\n\nrequire github.com/pulumi/pulumi/sdk/v3 v3.274.1\n")
	for dir, files := range map[string]map[string][]byte{"python": python, "go": golang} {
		for name, content := range files {
			path := filepath.Join(out, dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// noOtherPackages is the loader for a schema that refers to no other package: asked for one, it says so.
type noOtherPackages struct{}

func (noOtherPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema refers to package %q, which sdkgen does not load", pkg)
}

func (l noOtherPackages) LoadPackageV2(_ context.Context, descriptor *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(descriptor.Name, nil)
}
